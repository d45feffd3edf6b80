package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/**
 * Tasks per second through the daemon over 9P against {@code xargs -P} spawning the same commands. Not part of
 * the build (the class name does not match surefire's patterns, and it needs a property):
 * {@code mvn -pl devcmd-remote -am verify -Dtest=NodeThroughputBench -Dtaskfs.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "taskfs.bench", matches = "true")
class NodeThroughputBench extends NodeTestBase {

    private static final int TASKS = Integer.getInteger("taskfs.bench.tasks", 500);
    private static final int CONCURRENCY = Integer.getInteger("taskfs.bench.concurrency", 32);

    @Test
    void execTrueThroughTheDaemonVersusXargs() throws Exception {
        runThroughDaemon(100); // warm-up: JIT, thread pools, the first spawns
        long t0 = System.nanoTime();
        runThroughDaemon(TASKS);
        double daemonSeconds = (System.nanoTime() - t0) / 1e9;

        runXargs(100);
        long t1 = System.nanoTime();
        runXargs(TASKS);
        double xargsSeconds = (System.nanoTime() - t1) / 1e9;

        double daemonRate = TASKS / daemonSeconds;
        double xargsRate = TASKS / xargsSeconds;
        System.out.printf("BENCH %d x exec true, %d concurrent, %d cores%n", TASKS, CONCURRENCY,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("BENCH daemon over 9P: %.3f s, %.0f tasks/s%n", daemonSeconds, daemonRate);
        System.out.printf("BENCH xargs -P %d:    %.3f s, %.0f tasks/s%n", CONCURRENCY, xargsSeconds, xargsRate);
        System.out.printf("BENCH daemon/xargs: %.2f%n", daemonRate / xargsRate);
    }

    /** {@code n} tasks, {@link #CONCURRENCY} at a time, each: clone, exec true, read its wait line. */
    private void runThroughDaemon(int n) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < CONCURRENCY; w++) {
                workers.add(pool.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        RemoteFid clone = get(c.open("clone", P9.ORDWR));
                        String id = new String(get(clone.read(0, 32)), StandardCharsets.UTF_8);
                        get(clone.write(0, "exec true".getBytes(StandardCharsets.UTF_8)));
                        RemoteFid wait = get(blocking.open(id + "/wait", P9.OREAD));
                        String line = new String(get(wait.read(0, 256)), StandardCharsets.UTF_8);
                        if (!line.endsWith(" ''\n")) {
                            throw new AssertionError("task " + id + ": " + line);
                        }
                        wait.clunk();
                        clone.clunk();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void runXargs(int n) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "seq " + n + " | xargs -P " + CONCURRENCY + " -n1 true")
                .inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
