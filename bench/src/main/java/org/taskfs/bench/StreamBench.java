package org.taskfs.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/**
 * Row 4: a task writes {@code bytes} of zeros ({@code head -c N /dev/zero}) and we read its stdout
 * to the end, through the coordinator (the session's gathered stdout) and straight from a node
 * (the task's own stdout), against a plain loopback TCP stream of the same size in the same run.
 * Reads are sequential with one Tread of iounit (msize 64 KiB − 24) in flight, as cat does.
 * Timed from the exec to the last byte; the rate is in MB/s (10^6 bytes per second).
 */
final class StreamBench {
    private StreamBench() {}

    static void stream(Args a, Samples out) throws Exception {
        long bytes = a.longValue("bytes", 1L << 30);
        int runs = a.integer("runs", 3);
        String which = a.string("paths", "coord,node,javasock");
        out.meta("stream.bytes", Long.toString(bytes));
        try (Target t = Target.of(a)) {
            DialAddress node = t.firstNode();
            for (int r = 0; r < runs; r++) {
                for (String p : which.split(",")) {
                    switch (p.trim()) {
                        case "coord":
                            try (StyxClient c = t.connect()) {
                                out.add("stream.coord", mbps(bytes, viaSession(c, bytes, true)));
                            }
                            break;
                        case "node":
                            try (StyxClient c = t.connect(node)) {
                                out.add("stream.node", mbps(bytes, viaSession(c, bytes, false)));
                            }
                            break;
                        case "javasock":
                            out.add("stream.javasock", mbps(bytes, javaSocketPair(bytes)));
                            break;
                        default:
                            throw new IllegalArgumentException("unknown stream path " + p);
                    }
                }
            }
        }
    }

    static double mbps(long bytes, long nanos) {
        return bytes / (nanos / 1e9) / 1e6;
    }

    /**
     * Clone, (res 1 on a coordinator), exec head, read stdout to EOF. A node's clone is a task
     * already, so there the exec goes straight to it.
     */
    static long viaSession(StyxClient c, long bytes, boolean coordinator) throws Exception {
        long t0 = System.nanoTime();
        RemoteFid ctl = c.open("clone", P9.ORDWR).get();
        try {
            String n = new String(ctl.read(0, 32).get(), StandardCharsets.UTF_8).trim();
            if (coordinator) {
                ctl.write(0, "res 1".getBytes(StandardCharsets.UTF_8)).get();
            }
            ctl.write(0, ("exec head -c " + bytes + " /dev/zero").getBytes(StandardCharsets.UTF_8)).get();
            AtomicLong got = new AtomicLong();
            long n2 = c.stream(n + "/stdout", b -> got.addAndGet(b.length)).get();
            long t1 = System.nanoTime();
            if (n2 != bytes || got.get() != bytes) {
                throw new IllegalStateException("read " + got.get() + " bytes of stdout, expected " + bytes);
            }
            return t1 - t0;
        } finally {
            ctl.write(0, "release".getBytes(StandardCharsets.UTF_8)).handle((v, e) -> null).get();
            ctl.clunk().handle((v, e) -> null).get();
        }
    }

    /** The floor: the same bytes over one loopback TCP connection, 64 KiB writes, one reader. */
    static long javaSocketPair(long bytes) throws Exception {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[64 * 1024];
                    long total = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        total += n;
                    }
                    return total;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(ss.getLocalSocketAddress());
                OutputStream o = s.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(chunk.length, left);
                    o.write(chunk, 0, n);
                    left -= n;
                }
                s.shutdownOutput();
                long got = reader.get();
                if (got != bytes) {
                    throw new IllegalStateException("socket pair moved " + got + " of " + bytes + " bytes");
                }
            }
            return System.nanoTime() - t0;
        }
    }
}
