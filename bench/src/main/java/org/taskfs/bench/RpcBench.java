package org.taskfs.bench;

import io.netty.channel.EventLoopGroup;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * Row 5: small RPCs per second. Tstat on a walked fid of a {@link StyxServer} serving a
 * {@link RamFs}, on 1 and on 8 connections, each connection either sequential (one request in
 * flight) or pipelined ({@code depth} in flight). The baseline is the same exchange without 9P:
 * a Java socket echo that answers every 11-byte request with as many bytes as an Rstat has, same
 * connections and depth, in the same run. The servers live in another process (bench/run starts
 * {@code rpc-server}) unless no address is given.
 */
final class RpcBench {
    private RpcBench() {}

    /** {@code rpc-server}: prints {@code STYX addr} and {@code ECHO port}, then serves until killed. */
    static void server(Args a) throws Exception {
        Servers s = Servers.start();
        System.out.println("STYX " + s.styx.address());
        System.out.println("ECHO " + s.echo.port());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** A StyxServer on a RamFs holding the file {@code f}, and the echo server. */
    static final class Servers implements AutoCloseable {
        final StyxServer styx;
        final EchoServer echo;

        private Servers(StyxServer styx, EchoServer echo) {
            this.styx = styx;
            this.echo = echo;
        }

        static Servers start() throws IOException {
            RamFs fs = new RamFs("bench");
            fs.put("f", new byte[] {1});
            StyxServer styx = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, ServerOptions.DEFAULTS);
            return new Servers(styx, EchoServer.start());
        }

        @Override
        public void close() {
            styx.close();
            echo.close();
        }
    }

    static void rpc(Args a, Samples out) throws Exception {
        String styxAddr = a.string("styx", null);
        String echoPort = a.string("echo", null);
        double seconds = a.decimal("seconds", 3);
        double warmup = a.decimal("warmup-seconds", 1);
        int runs = a.integer("runs", 3);
        int depth = a.integer("depth", 16);
        String shapes = a.string("conns", "1,8");
        Servers local = styxAddr == null ? Servers.start() : null;
        try {
            DialAddress styx = local != null ? local.styx.address() : DialAddress.parse(styxAddr, 564);
            int echo = local != null ? local.echo.port() : Integer.parseInt(echoPort);
            out.meta("rpc.depth", Integer.toString(depth));
            for (int r = 0; r < runs; r++) {
                for (String c : shapes.split(",")) {
                    int conns = Integer.parseInt(c.trim());
                    for (int d : new int[] {1, depth}) {
                        String key = "rpc." + (d == 1 ? "seq" : "pipe") + conns;
                        if (r == 0) {
                            styxRate(styx, conns, d, warmup);
                            echoRate(echo, conns, d, replySize(styx), warmup);
                        }
                        out.add(key + ".taskfs", styxRate(styx, conns, d, seconds));
                        out.add(key + ".echo", echoRate(echo, conns, d, replySize(styx), seconds));
                    }
                }
            }
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    private static volatile int replySize;

    /** Bytes of the Rstat the server sends for {@code f}: what the echo baseline answers with. */
    static int replySize(DialAddress styx) throws Exception {
        if (replySize == 0) {
            try (StyxClient c = Target.connect(styx, AuthMethod.NONE)) {
                RemoteFid f = c.walk("f").get();
                Rmessage r = c.rpc(tag -> new Tmessage.Stat(tag, f.fid())).get();
                replySize = StyxWire.size(r);
                f.clunk().get();
            }
        }
        return replySize;
    }

    /** Tstat per second over {@code conns} connections with {@code depth} in flight on each. */
    static double styxRate(DialAddress at, int conns, int depth, double seconds) throws Exception {
        // One event loop per core at most, shared by the connections, as a client process would.
        EventLoopGroup group = Transport.newGroup(Math.min(conns, Runtime.getRuntime().availableProcessors()),
                "bench-client");
        List<StyxClient> clients = new ArrayList<>();
        try {
            ClientOptions opts = ClientOptions.defaults().withGroup(group).withRequestTimeout(Target.REQUEST_TIMEOUT);
            List<RemoteFid> fids = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                StyxClient c = StyxClient.connect(at, opts).get();
                clients.add(c);
                fids.add(c.walk("f").get());
            }
            AtomicLong count = new AtomicLong();
            List<CompletableFuture<Void>> lanes = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            for (int i = 0; i < conns; i++) {
                for (int d = 0; d < depth; d++) {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    lane(clients.get(i), fids.get(i).fid(), deadline, count, done);
                    lanes.add(done);
                }
            }
            CompletableFuture.allOf(lanes.toArray(new CompletableFuture<?>[0])).get();
            return count.get() / seconds;
        } finally {
            clients.forEach(StyxClient::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** One request in flight; its reply sends the next, on the event loop, until the deadline. */
    private static void lane(StyxClient c, int fid, long deadline, AtomicLong count, CompletableFuture<Void> done) {
        c.rpc(tag -> new Tmessage.Stat(tag, fid)).whenComplete((r, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
                return;
            }
            if (System.nanoTime() >= deadline) {
                done.complete(null);
                return;
            }
            count.incrementAndGet();
            lane(c, fid, deadline, count, done);
        });
    }

    /** Request size: a Tstat is size[4] type[1] tag[2] fid[4]. */
    static final int REQUEST = 11;

    /** The same exchange over plain blocking sockets: echo requests/second. */
    static double echoRate(int port, int conns, int depth, int reply, double seconds) throws Exception {
        AtomicLong count = new AtomicLong();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            for (int i = 0; i < conns; i++) {
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                sockets.add(s);
                DataOutputStream hello = new DataOutputStream(s.getOutputStream());
                hello.writeInt(REQUEST);
                hello.writeInt(reply);
                hello.flush();
                threads.addAll(echoClient(s, depth, reply, deadline, count, errors));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException("echo baseline failed", errors.get(0));
        }
        return count.get() / seconds;
    }

    /**
     * Depth 1: one thread, write then read. Deeper: a writer that keeps {@code depth} requests
     * outstanding, sending all it may in one write, and a reader that retires them.
     */
    private static List<Thread> echoClient(Socket s, int depth, int reply, long deadline, AtomicLong count,
                                           List<Throwable> errors) throws IOException {
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
        byte[] req = new byte[REQUEST];
        byte[] rep = new byte[reply];
        if (depth == 1) {
            return List.of(new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        out.write(req);
                        in.readFully(rep);
                        count.incrementAndGet();
                    }
                } catch (IOException e) {
                    errors.add(e);
                }
            }, "echo-client"));
        }
        Semaphore window = new Semaphore(depth);
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                byte[] batch = new byte[REQUEST * depth];
                while (System.nanoTime() < deadline) {
                    // Every request the window allows goes out in one write(2), as the 9P client's
                    // flush consolidation sends whatever is queued: a baseline that wrote them one
                    // by one would flatter the 9P figure.
                    window.acquire();
                    int n = 1;
                    while (n < depth && window.tryAcquire()) {
                        n++;
                    }
                    out.write(batch, 0, n * REQUEST);
                }
                // Every reply is in once the whole window is back; then closing the socket is
                // how the reader, blocked on a reply that will never come, learns it is over.
                window.acquire(depth);
                finished.set(true);
                s.close();
            } catch (Exception e) {
                errors.add(e);
            }
        }, "echo-writer");
        Thread reader = new Thread(() -> {
            try {
                while (true) {
                    in.readFully(rep);
                    window.release();
                    if (System.nanoTime() < deadline) {
                        count.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                if (!finished.get()) {
                    errors.add(e);
                }
            }
        }, "echo-reader");
        return List.of(writer, reader);
    }

    /** Answers each request of the announced size with a reply of the announced size. */
    static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread acceptor;

        private EchoServer(ServerSocket socket) {
            this.socket = socket;
            this.acceptor = new Thread(this::acceptLoop, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static EchoServer start() throws IOException {
            ServerSocket ss = new ServerSocket();
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new EchoServer(ss);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    s.setTcpNoDelay(true);
                    Thread t = new Thread(() -> serve(s), "echo-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void serve(Socket s) {
            try (s) {
                InputStream raw = s.getInputStream();
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024));
                int req = in.readInt();
                int rep = in.readInt();
                byte[] r = new byte[req];
                byte[] reply = new byte[rep];
                // Flush when no further request is waiting: the same coalescing Netty's
                // FlushConsolidationHandler gives the 9P server.
                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
                while (true) {
                    in.readFully(r);
                    out.write(reply);
                    if (in.available() == 0) {
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
