package org.taskfs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every driver of bench/run at a tiny size, each against a cluster or server of its own in this
 * JVM. Checks that the drivers work and produce their samples; never how fast anything is.
 */
@Timeout(60)
class DriversTest {

    private static Samples run(String driver, String... argv) throws Exception {
        Samples s = Samples.inMemory();
        Bench.run(driver, new Args(argv, 0), s);
        return s;
    }

    @Test
    void launchTimesEachStepOfASessionRun() throws Exception {
        Samples s = run("launch", "--iterations", "2", "--warmup", "1");
        assertThat(s.get("launch.taskfs")).hasSize(2).allMatch(v -> v > 0);
        for (String step : List.of("clone", "res", "exec", "read")) {
            assertThat(s.get("launch.phase." + step)).hasSize(2);
        }
    }

    @Test
    void fanOutAndSustainedRate() throws Exception {
        Samples f = run("fanout", "--sizes", "3", "--runs", "2", "--warmup", "0");
        assertThat(f.get("fanout3.taskfs")).hasSize(2);
        Samples r = run("rate", "--workers", "2", "--tasks", "2", "--seconds", "0.3", "--runs", "1",
                "--warmup-seconds", "0");
        assertThat(r.get("rate.taskfs")).hasSize(1).allMatch(v -> v >= 0);
    }

    @Test
    void streamsThroughCoordinatorNodeAndSocketPair() throws Exception {
        Samples s = run("stream", "--bytes", Integer.toString(1 << 20), "--runs", "1");
        assertThat(s.get("stream.coord")).hasSize(1);
        assertThat(s.get("stream.node")).hasSize(1);
        assertThat(s.get("stream.javasock")).hasSize(1);
        assertThat(s.meta()).containsEntry("stream.bytes", Integer.toString(1 << 20));
    }

    @Test
    void rpcRatesOfStyxAndTheEchoBaseline() throws Exception {
        Samples s = run("rpc", "--seconds", "0.2", "--warmup-seconds", "0.05", "--runs", "1", "--conns", "1,2",
                "--depth", "4");
        for (String k : List.of("seq1", "pipe1", "seq2", "pipe2")) {
            assertThat(s.get("rpc." + k + ".taskfs")).as(k).hasSize(1).allMatch(v -> v > 0);
            assertThat(s.get("rpc." + k + ".echo")).as(k).hasSize(1).allMatch(v -> v > 0);
        }
    }

    @Test
    void heapOfIdleSessions() throws Exception {
        Samples s = run("heap", "--sessions", "200", "--runs", "1");
        assertThat(s.get("heap.taskfs")).hasSize(1);
        assertThat(s.meta()).containsEntry("heap.sessions", "200");
    }

    @Test
    void scaleRunsFlatAndAsATreeOverNodesInChildProcesses() throws Exception {
        Samples s = run("scale", "--nodes", "4", "--per-jvm", "2", "--tasks", "16", "--runs", "1", "--warmup", "0");
        for (String shape : List.of("flat", "tree")) {
            assertThat(s.get("scale." + shape + ".taskfs")).as(shape).hasSize(1).allMatch(v -> v > 0);
            assertThat(s.get("scale." + shape + ".heap")).as(shape).hasSize(1);
            assertThat(s.get("scale." + shape + ".threads")).as(shape).hasSize(1).allMatch(v -> v > 1);
        }
        assertThat(s.meta()).containsEntry("scale.shape", "4 nodes (2 per JVM), 16 tasks, 4 slots each, member request timeout 60 s");
    }
}
