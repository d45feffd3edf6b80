package org.taskfs.styx.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;

/**
 * Finds the owner of a local TCP peer's socket: by asking the kernel for that one socket ({@link SockDiag}),
 * or where that cannot be done, in the kernel's tables (/proc/net/tcp and tcp6): the line
 * whose local end is the peer's address and port and whose remote end is ours is the peer's own socket,
 * and its uid column is the user who opened it. Reading the table blocks: never on an event loop.
 *
 * <p>The table prints addresses as the kernel holds them: IPv4 as one 32-bit word, IPv6 as four, each
 * word in hex of its host-order (little-endian here) value, so 127.0.0.1 is {@code 0100007F}; ports are
 * plain hex. An IPv4 peer may appear as an IPv4-mapped IPv6 address on either side, so both sides are
 * compared as 16-byte IPv6 addresses.
 */
public final class LoopbackSockets {
    private LoopbackSockets() {}

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    /** Whether the kernel can tell who is at {@code address}: a loopback address, IPv4, IPv6 or mapped. */
    public static boolean isLoopback(InetAddress address) {
        return address.isLoopbackAddress() || mappedLoopback(address);
    }

    private static boolean mappedLoopback(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && Arrays.equals(Arrays.copyOf(b, 12), MAPPED_PREFIX) && b[12] == 127;
    }

    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    /**
     * The uid owning the socket whose local end is {@code peer} and whose remote end is {@code local}: the
     * peer of a connection this process accepted at {@code local}. Empty when no such socket is listed
     * (the peer is on another host, or has already closed).
     */
    public static OptionalInt ownerOf(InetSocketAddress peer, InetSocketAddress local) {
        OptionalInt asked = SockDiag.ownerOf(peer, local);
        return asked != null ? asked : scan(peer, local);
    }

    /** {@link #ownerOf} by reading the tables. */
    static OptionalInt scan(InetSocketAddress peer, InetSocketAddress local) {
        byte[] peerAddr = ipv6(peer.getAddress());
        byte[] localAddr = ipv6(local.getAddress());
        // Without netlink, the tables. A busy host lists thousands of sockets (TIME_WAIT ones too): only lines naming the peer's port, as
        // the first field's port, are worth splitting.
        String peerPort = String.format(":%04X ", peer.getPort());
        for (Path table : TABLES) {
            try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
                r.readLine(); // the header
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.indexOf(peerPort) < 0) {
                        continue;
                    }
                    OptionalInt uid = match(line, peerAddr, peer.getPort(), localAddr, local.getPort());
                    if (uid.isPresent()) {
                        return uid;
                    }
                }
            } catch (NoSuchFileException e) {
                continue; // no IPv6 in this kernel
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + table, e);
            }
        }
        return OptionalInt.empty();
    }

    /** One table line: {@code sl local rem st tx:rx tr:when retrnsmt uid timeout inode …}. */
    static OptionalInt match(String line, byte[] localAddr, int localPort, byte[] remoteAddr, int remotePort) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 8) {
            return OptionalInt.empty();
        }
        if (!endpoint(f[1], localAddr, localPort) || !endpoint(f[2], remoteAddr, remotePort)) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(f[7]));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static boolean endpoint(String field, byte[] addr, int port) {
        int colon = field.indexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            return Integer.parseInt(field.substring(colon + 1), 16) == port
                    && Arrays.equals(parseAddress(field.substring(0, colon)), addr);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A table address (8 or 32 hex digits of host-order 32-bit words) as 16 IPv6 bytes. */
    static byte[] parseAddress(String hex) {
        byte[] raw = HexFormat.of().parseHex(hex);
        if (raw.length != 4 && raw.length != 16) {
            throw new IllegalArgumentException("not an address: " + hex);
        }
        // Each printed word is the host-order reading of four network-order bytes: on a little-endian
        // host, reverse each word.
        boolean reverse = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        byte[] net = new byte[raw.length];
        for (int w = 0; w < raw.length; w += 4) {
            for (int i = 0; i < 4; i++) {
                net[w + i] = raw[reverse ? w + 3 - i : w + i];
            }
        }
        return net.length == 4 ? mapped(net) : net;
    }

    /** Any address as 16 bytes: IPv4 as ::ffff:a.b.c.d. */
    static byte[] ipv6(InetAddress a) {
        return a instanceof Inet4Address ? mapped(a.getAddress()) : a.getAddress();
    }

    private static byte[] mapped(byte[] v4) {
        byte[] b = Arrays.copyOf(MAPPED_PREFIX, 16);
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }
}
