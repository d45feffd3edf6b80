package org.taskfs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.Coordinator;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/**
 * Row 6: heap held by idle sessions. A coordinator runs in this JVM so its heap can be read with
 * {@link MemoryMXBean}; a client opens {@code clone} N times (each open makes a session that
 * outlives the fid), the fids are clunked, and the used heap after a full GC is compared with the
 * figure before. The result is scaled to 10,000 sessions (exact when N is 10,000).
 */
final class HeapBench {
    private HeapBench() {}

    static void heap(Args a, Samples out) throws Exception {
        int sessions = a.integer("sessions", 10_000);
        int runs = a.integer("runs", 3);
        int window = a.integer("window", 64);
        out.meta("heap.sessions", Integer.toString(sessions));
        for (int r = 0; r < runs; r++) {
            Coordinator coord = Coordinator.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0)));
            try (StyxClient c = Target.connect(coord.address(), AuthMethod.NONE)) {
                cloneMany(c, 100, window); // loads every class the sessions need
                long before = usedAfterGc();
                cloneMany(c, sessions, window);
                long after = usedAfterGc();
                int have = coord.sessions().sessions().size();
                if (have != sessions + 100) {
                    throw new IllegalStateException("expected " + (sessions + 100) + " sessions, the coordinator has " + have);
                }
                double mb = (after - before) / 1e6 * (10_000.0 / sessions);
                out.add("heap.taskfs", mb);
                out.add("heap.bytesPerSession", (after - before) / (double) sessions);
            } finally {
                coord.close();
            }
        }
    }

    /** Opens and reads clone {@code n} times, {@code window} at a time, clunking each fid. */
    static void cloneMany(StyxClient c, int n, int window) throws Exception {
        Deque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (inFlight.size() >= window) {
                inFlight.removeFirst().get();
            }
            inFlight.addLast(c.open("clone", P9.OREAD)
                    .thenCompose(f -> f.read(0, 32).thenCompose(b -> f.clunk())));
        }
        while (!inFlight.isEmpty()) {
            inFlight.removeFirst().get();
        }
    }

    /** Heap in use once garbage is gone: GC until two readings agree within 1%. */
    static long usedAfterGc() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            mx.gc();
            Thread.sleep(50);
            long used = mx.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - last) < last / 100) {
                return used;
            }
            last = used;
        }
        return last;
    }
}
