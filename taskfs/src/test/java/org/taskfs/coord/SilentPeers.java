package org.taskfs.coord;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.taskfs.styx.dial.DialAddress;

/** Peers that stop answering, for the pool's timeouts. */
final class SilentPeers {
    private SilentPeers() {}

    /** A TCP listener that accepts connections and never sends a byte. */
    static final class Mute implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        Mute() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(socket.accept());
                    }
                } catch (IOException closed) {
                    // closed by close()
                }
            }, "mute-listener");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        DialAddress address() {
            return DialAddress.tcp("127.0.0.1", socket.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
            acceptor.join(5000);
        }
    }

    /**
     * A TCP relay to a 9P server, message by message, that can be frozen: from then on what either side sends
     * is dropped, connections stay open, so the server seems alive but answers nothing. Or it can answer every
     * request itself with an Rerror, as a server would that is alive but refuses everything (at its fid limit).
     */
    static final class Relay implements AutoCloseable {
        private static final byte RERROR = 107;

        private final ServerSocket socket;
        private final DialAddress target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final Thread acceptor;
        private final AtomicInteger errors = new AtomicInteger();
        private volatile boolean frozen;
        private volatile String refusing;

        Relay(DialAddress target) throws IOException {
            this.target = target;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "relay-listener");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            try {
                while (true) {
                    Socket in = socket.accept();
                    Socket out = new Socket(target.host(), target.port());
                    sockets.add(in);
                    sockets.add(out);
                    copy(in, out, true);
                    copy(out, in, false);
                }
            } catch (IOException closed) {
                // closed by close()
            }
        }

        /** Copies whole messages (size[4] first), so that an Rerror made here never splits one. */
        private void copy(Socket from, Socket to, boolean requests) {
            Thread t = new Thread(() -> {
                try (DataInputStream i = new DataInputStream(from.getInputStream())) {
                    while (true) {
                        byte[] head = new byte[4];
                        i.readFully(head);
                        int size = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
                        byte[] message = Arrays.copyOf(head, size);
                        i.readFully(message, 4, size - 4);
                        String error = refusing;
                        if (frozen) {
                            continue;
                        }
                        // A server that refuses everything still lets go of a fid asked to (Tclunk, Tremove,
                        // which clunk even when they fail): refusing those here would leave the node holding
                        // fids its client has freed and will use again.
                        boolean clunks = message[4] == 120 || message[4] == 122;
                        if (requests && error != null && !clunks) {
                            send(from, rerror(message, error));
                            errors.incrementAndGet();
                        } else {
                            send(to, message);
                        }
                    }
                } catch (IOException gone) {
                    // one side closed
                } finally {
                    try {
                        to.close();
                    } catch (IOException e) {
                        // closed already
                    }
                }
            }, "relay-copy");
            t.setDaemon(true);
            t.start();
        }

        private static void send(Socket to, byte[] message) throws IOException {
            synchronized (to) {
                to.getOutputStream().write(message);
                to.getOutputStream().flush();
            }
        }

        /** Rerror with the request's tag: size[4] type[1] tag[2] ename[s]. */
        private static byte[] rerror(byte[] request, String error) {
            byte[] e = error.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 2 + e.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(b.capacity()).put(RERROR).put(request[5]).put(request[6]).putShort((short) e.length).put(e);
            return b.array();
        }

        DialAddress address() {
            return DialAddress.tcp("127.0.0.1", socket.getLocalPort());
        }

        void freeze() {
            frozen = true;
        }

        /** Answers every request with {@code error} (null: relays them again). */
        void refuse(String error) {
            refusing = error;
        }

        /** Rerrors made here so far. */
        int errors() {
            return errors.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            for (Socket s : sockets) {
                s.close();
            }
            acceptor.join(5000);
        }
    }
}
