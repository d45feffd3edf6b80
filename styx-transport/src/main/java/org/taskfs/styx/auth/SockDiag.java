package org.taskfs.styx.auth;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The owner of one TCP socket, asked of the kernel by its four addresses over netlink (sock_diag, as
 * {@code ss} does): one exact lookup, where reading /proc/net/tcp walks every socket of the host and takes
 * tens of milliseconds once thousands linger in TIME_WAIT. Blocks briefly; never on an event loop.
 */
final class SockDiag {
    private SockDiag() {}

    /** The libc calls used, loaded once; null where they cannot be (then callers scan the tables). */
    public interface LibC {
        // The socket and its requests, nothing else: a small binding of its own keeps this package free of the
        // node's native layer.
        int socket(int domain, int type, int protocol);

        int sendto(int fd, @In ByteBuffer buf, long len, int flags, @In ByteBuffer addr, int addrlen);

        int recv(int fd, @Out ByteBuffer buf, long len, int flags);

        int close(int fd);
    }

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLMSG_ERROR = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int HEADER = 16;
    /** nlmsghdr, then inet_diag_req_v2: family, protocol, ext, pad, states, then the 48-byte socket id. */
    private static final int REQUEST = HEADER + 8 + 48;
    /** In the answer's inet_diag_msg: 4 bytes, the 48-byte id, expires, rqueue, wqueue, then uid. */
    private static final int UID_AT = HEADER + 4 + 48 + 12;

    private static final LibC C = load();

    private static LibC load() {
        try {
            return LibraryLoader.create(LibC.class).option(LibraryOption.IgnoreError, true).load("c");
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }

    /**
     * The uid owning the socket whose local end is {@code peer} and remote end {@code local}; empty when the
     * kernel knows no such socket; null when netlink cannot be asked here (no libc binding, no permission).
     */
    static OptionalInt ownerOf(InetSocketAddress peer, InetSocketAddress local) {
        if (C == null) {
            return null;
        }
        int fd = C.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) {
            return null;
        }
        try {
            boolean v4 = peer.getAddress() instanceof java.net.Inet4Address;
            ByteBuffer req = ByteBuffer.allocateDirect(REQUEST).order(ByteOrder.nativeOrder());
            req.putInt(REQUEST).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) NLM_F_REQUEST)
                    .putInt(1).putInt(0);
            req.put((byte) (v4 ? AF_INET : AF_INET6)).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0)
                    .putInt(-1); // every state
            // The socket id: ports and addresses in network order, then the interface and "no cookie".
            req.order(ByteOrder.BIG_ENDIAN).putShort((short) peer.getPort()).putShort((short) local.getPort());
            putAddress(req, peer, v4);
            putAddress(req, local, v4);
            req.order(ByteOrder.nativeOrder()).putInt(0).putInt(-1).putInt(-1);
            req.flip();
            ByteBuffer kernel = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
            kernel.putShort((short) AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).flip();
            if (C.sendto(fd, req, REQUEST, 0, kernel, 12) != REQUEST) {
                return null;
            }
            ByteBuffer answer = ByteBuffer.allocateDirect(8192).order(ByteOrder.nativeOrder());
            int n = C.recv(fd, answer, answer.capacity(), 0);
            if (n < HEADER) {
                return null;
            }
            int type = answer.getShort(4) & 0xffff;
            if (type == NLMSG_ERROR) {
                // ENOENT: no such socket (the peer is not on this host, or closed already).
                return OptionalInt.empty();
            }
            if (type != SOCK_DIAG_BY_FAMILY || n < UID_AT + 4) {
                return null;
            }
            return OptionalInt.of(answer.getInt(UID_AT));
        } finally {
            C.close(fd);
        }
    }

    /** 16 bytes: an IPv4 address in the first four, or the IPv6 address (a mapped one only as IPv4). */
    private static void putAddress(ByteBuffer b, InetSocketAddress a, boolean v4) {
        byte[] raw = a.getAddress().getAddress();
        byte[] out = new byte[16];
        if (v4) {
            System.arraycopy(raw, raw.length - 4, out, 0, 4);
        } else {
            System.arraycopy(raw, 0, out, 0, 16);
        }
        b.put(out);
    }
}
