package org.taskfs.coord.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/**
 * Not a test: a measurement run by hand (never by {@code mvn verify}, its name matches no test
 * pattern). A LocalCluster of 4 nodes; then
 * <ol>
 * <li>{@code clone → res 4 → exec hostname → read stdio} latency, each step its own fids as from a
 * shell, the session released after each iteration (not timed);
 * <li>{@code res 64 + exec true + read wait}, and {@code exec true + read wait} on a warm session,
 * against {@code seq 64 | xargs -P 64 -n1 true} in the same run.
 * </ol>
 * Run: {@code java -cp taskfs/target/taskfs.jar:taskfs/target/test-classes org.taskfs.coord.bench.CoordinatorLatencyBench [iterations]}
 */
public final class CoordinatorLatencyBench {
    private static final long T = 60;

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 4, 0, 16);
             StyxClient c = StyxClient.connect(cluster.address(), ClientOptions.defaults()).get(T, TimeUnit.SECONDS)) {
            StyxClient blocking = c.withTimeout(Duration.ZERO);

            // 1. clone → res 4 → exec hostname → stdio
            List<Long> lat = new ArrayList<>();
            List<List<Long>> steps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (int i = -30; i < iterations; i++) {
                long t0 = System.nanoTime();
                String s = c.readString("/clone").get(T, TimeUnit.SECONDS);
                long ta = System.nanoTime();
                c.write("/" + s + "/ctl", "res 4\n").get(T, TimeUnit.SECONDS);
                long tb = System.nanoTime();
                c.write("/" + s + "/ctl", "exec hostname\n").get(T, TimeUnit.SECONDS);
                long tc = System.nanoTime();
                String out = blocking.readString("/" + s + "/stdio").get(T, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                if (out.split("\n").length != 4) {
                    throw new IllegalStateException("stdio: " + out);
                }
                c.write("/" + s + "/ctl", "release\n").get(T, TimeUnit.SECONDS);
                if (i >= 0) {
                    lat.add(t1 - t0);
                    steps.get(0).add(ta - t0);
                    steps.get(1).add(tb - ta);
                    steps.get(2).add(tc - tb);
                    steps.get(3).add(t1 - tc);
                }
            }
            report("clone→res 4→exec hostname→stdio (shell-style, own fids per step)", lat);
            report("  of which cat clone", steps.get(0));
            report("  of which echo res 4 > ctl", steps.get(1));
            report("  of which echo exec hostname > ctl", steps.get(2));
            report("  of which cat stdio", steps.get(3));

            // 1b. the same with the clone fid kept as the session's ctl (what a program would do)
            lat.clear();
            for (int i = -30; i < iterations; i++) {
                long t0 = System.nanoTime();
                RemoteFid ctl = c.open("/clone", P9.ORDWR).get(T, TimeUnit.SECONDS);
                String s = new String(ctl.read(0, 32).get(T, TimeUnit.SECONDS), StandardCharsets.UTF_8);
                ctl.write(0, "res 4".getBytes(StandardCharsets.UTF_8)).get(T, TimeUnit.SECONDS);
                ctl.write(0, "exec hostname".getBytes(StandardCharsets.UTF_8)).get(T, TimeUnit.SECONDS);
                String out = blocking.readString("/" + s + "/stdio").get(T, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                if (out.split("\n").length != 4) {
                    throw new IllegalStateException("stdio: " + out);
                }
                ctl.write(0, "release".getBytes(StandardCharsets.UTF_8)).get(T, TimeUnit.SECONDS);
                ctl.clunk().get(T, TimeUnit.SECONDS);
                if (i >= 0) {
                    lat.add(t1 - t0);
                }
            }
            report("clone→res 4→exec hostname→stdio (clone fid held as ctl)", lat);

            // 2. fan-out of 64 × true, interleaved with xargs -P 64 so both see the same machine state
            int rounds = 20;
            List<Long> cold = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            List<Long> xargs = new ArrayList<>();
            String warmSession = c.readString("/clone").get(T, TimeUnit.SECONDS);
            c.write("/" + warmSession + "/ctl", "res 48\n").get(T, TimeUnit.SECONDS);
            c.write("/" + warmSession + "/ctl", "release\n").get(T, TimeUnit.SECONDS);
            for (int i = -5; i < rounds; i++) {
                long t0 = System.nanoTime();
                String s = c.readString("/clone").get(T, TimeUnit.SECONDS);
                c.write("/" + s + "/ctl", "res 64\n").get(T, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                c.write("/" + s + "/ctl", "exec true\n").get(T, TimeUnit.SECONDS);
                String w = blocking.readString("/" + s + "/wait").get(T, TimeUnit.SECONDS);
                long t2 = System.nanoTime();
                check(w);
                // again on the same, now warm, tasks
                long t3 = System.nanoTime();
                c.write("/" + s + "/ctl", "exec true\n").get(T, TimeUnit.SECONDS);
                w = blocking.readString("/" + s + "/wait").get(T, TimeUnit.SECONDS);
                long t4 = System.nanoTime();
                check(w);
                c.write("/" + s + "/ctl", "release\n").get(T, TimeUnit.SECONDS);

                long t5 = System.nanoTime();
                Process p = new ProcessBuilder("sh", "-c", "seq 64 | xargs -P 64 -n1 true").inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("xargs failed");
                }
                long t6 = System.nanoTime();
                if (i >= 0) {
                    cold.add(t2 - t0);
                    warm.add(t4 - t3);
                    xargs.add(t6 - t5);
                }
            }
            report("clone+res 64+exec true+read wait", cold);
            report("exec true+read wait on 64 reserved tasks (warm)", warm);
            report("seq 64 | xargs -P 64 -n1 true", xargs);
            System.out.printf("ratio warm/xargs p50 %.2f, cold/xargs p50 %.2f%n",
                    (double) pct(warm, 50) / pct(xargs, 50), (double) pct(cold, 50) / pct(xargs, 50));
        }
    }

    private static void check(String wait) {
        String[] lines = wait.split("\n");
        if (lines.length != 64) {
            throw new IllegalStateException(lines.length + " wait lines");
        }
        for (String l : lines) {
            if (!l.endsWith(" ''")) {
                throw new IllegalStateException("wait: " + l);
            }
        }
    }

    private static long pct(List<Long> xs, int p) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    private static void report(String what, List<Long> ns) {
        System.out.printf("%-70s n=%d p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  min %.2f ms%n", what, ns.size(),
                pct(ns, 50) / 1e6, pct(ns, 90) / 1e6, pct(ns, 99) / 1e6, Collections.min(ns) / 1e6);
    }
}
