package org.taskfs.coord;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
     * A TCP relay to a server that can be frozen: from then on what either side sends is dropped,
     * connections stay open, so the server seems alive but answers nothing.
     */
    static final class Relay implements AutoCloseable {
        private final ServerSocket socket;
        private final DialAddress target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final Thread acceptor;
        private volatile boolean frozen;

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
                    copy(in, out);
                    copy(out, in);
                }
            } catch (IOException closed) {
                // closed by close()
            }
        }

        private void copy(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    int n;
                    while ((n = i.read(buf)) > 0) {
                        if (!frozen) {
                            o.write(buf, 0, n);
                            o.flush();
                        }
                    }
                } catch (IOException gone) {
                    // one side closed
                }
            }, "relay-copy");
            t.setDaemon(true);
            t.start();
        }

        DialAddress address() {
            return DialAddress.tcp("127.0.0.1", socket.getLocalPort());
        }

        void freeze() {
            frozen = true;
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
