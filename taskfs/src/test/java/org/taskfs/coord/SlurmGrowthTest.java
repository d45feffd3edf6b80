package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.pool.Hostlist;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.testing.Ports;
import org.taskfs.task.Capacity;

/**
 * {@code taskfs serve --slurm-partition} against a real Slurm ({@link SlurmCluster}, four nodes of four CPUs): a res
 * that does not fit asks Slurm for nodes, waits Pending with Slurm's state and reason while Slurm queues it, runs
 * on the nodes once they join, and the nodes go back to Slurm when idle; a cancelled or refused allocation fails
 * the res with Slurm's words; a stopped serve leaves no job behind.
 */
class SlurmGrowthTest extends ClusterTestBase {
    private static final Duration SLURM_WAIT = Duration.ofSeconds(90);
    private static SlurmCluster slurm;

    @BeforeAll
    static void cluster() {
        Host.assumeRoot();
        slurm = SlurmCluster.shared();
    }

    @AfterEach
    void noJobsLeft() {
        slurm.cancelAll();
    }

    /** A {@code taskfs serve} process with this cluster's SLURM_CONF, its output in a file. */
    private final class Serve implements AutoCloseable {
        final Process process;
        final Path log;
        final DialAddress at;

        Serve(String... flags) throws IOException {
            this(Ports.unusedBelowEphemeralRange(), flags);
        }

        Serve(int port, String... flags) throws IOException {
            at = DialAddress.tcp("127.0.0.1", port);
            List<String> cmd = new ArrayList<>(List.of(javaBinary().toString(), "-cp", classpath(),
                    "org.taskfs.cli.Main", "serve", "--listen", at.toString(),
                    "--auth", "munge=" + slurm.munged.socket));
            cmd.addAll(List.of(flags));
            log = Files.createTempFile(slurm.dir, "serve", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(slurm.env());
            process = pb.start();
            closeLater(this);
        }

        String output() throws IOException {
            return Files.readString(log);
        }

        /** A client, once serve says it serves (dialled no sooner: it would only be refused). */
        Sh client() throws Exception {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(process.isAlive()).as("serve is running: %s", output()).isTrue();
                return output().contains("taskfs serve: serving on");
            });
            return sh(at);
        }

        /** The node daemons (JVMs) joining it: their command line has its address (--join), serve's own aside. */
        List<Long> nodeDaemons() throws IOException {
            List<Long> pids = new ArrayList<>();
            for (long pid : processesWith(at.toString())) {
                String exe = ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElse("");
                if (pid != process.pid() && exe.endsWith("/java")) {
                    pids.add(pid);
                }
            }
            return pids;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }


    /** Fills every node of the partition with a job of the test's own, so that growth must queue. */
    private String occupyAllNodes() {
        SlurmCluster.Run r = slurm.run(List.of("sbatch", "--parsable", "-N", String.valueOf(SlurmCluster.NODES),
                "--exclusive", "--job-name=blocker", "-o", "/dev/null", "--wrap", "sleep 600"));
        assertThat(r.exit()).as(r.err()).isZero();
        String job = r.out().strip();
        await().atMost(SLURM_WAIT).pollInterval(Duration.ofMillis(200)).until(() -> state(job).equals("RUNNING"));
        return job;
    }

    private static String state(String job) {
        return slurm.run(List.of("squeue", "-h", "-j", job, "-o", "%T")).out().strip();
    }

    /** The jobs serve asked for: {@code ID STATE NODELIST} lines. */
    private static List<String> growJobs() {
        List<String> out = new ArrayList<>();
        for (String l : slurm.run(List.of("squeue", "-h", "-n", "taskfs-grow", "-o", "%i %T %N")).out().split("\n")) {
            if (!l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }

    private static List<String> pendingLines(Sh sh) throws Exception {
        return sh.lines("/ns").stream().filter(l -> l.startsWith("pending ")).toList();
    }

    private static CompletableFuture<Void> waiting(Sh sh, String session, String text) {
        return sh.blocking.write("/" + session + "/ctl", text + "\n");
    }

    @Test
    void growthQueuesThenMountsNewNodesAndHandsThemBackWhenIdle() throws Exception {
        String blocker = occupyAllNodes();
        Serve serve = new Serve("--slurm-partition", "debug", "--slurm-max-nodes", "2", "--slurm-idle", "3");
        Sh sh = serve.client();
        assertThat(Capacity.parse(sh.cat("/ns"))).isEmpty();

        String s = sh.newSession();
        CompletableFuture<Void> res = waiting(sh, s, "res 6"); // 6 slots: two nodes of 4
        // Slurm queues it behind the blocker: the session's status and the root ns say so, in Slurm's words.
        await().atMost(SLURM_WAIT).until(() -> sh.lines("/" + s + "/status"), l -> l.size() == 1
                && l.get(0).matches("cmd/0 \\d+ Pending '' 'res 6' 'slurm job \\d+: PENDING Resources'"));
        String job = sh.lines("/" + s + "/status").get(0).replaceAll(".*slurm job (\\d+):.*", "$1");
        assertThat(pendingLines(sh)).singleElement().asString()
                .endsWith(" 'note=slurm job " + job + ": PENDING Resources'");
        assertThat(growJobs()).containsExactly(job + " PENDING");
        assertThat(sh.cat("/ctl")).contains("slurm job " + job + " PENDING nodes=2");
        assertThat(res).isNotDone();

        assertThat(slurm.run(List.of("scancel", blocker)).exit()).isZero();
        Sh.get(res, SLURM_WAIT);
        List<String> grown = Hostlist.expand(growJobs().get(0).split(" ")[2]);
        assertThat(grown).hasSize(2);
        assertThat(Capacity.parse(sh.cat("/ns"))).extracting(Capacity::name).containsExactlyInAnyOrderElementsOf(grown);
        assertThat(pendingLines(sh)).isEmpty();
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $SLURMD_NODENAME'");
        List<String> names = Sh.split(sh.cat("/" + s + "/stdio"));
        assertThat(names).hasSize(6);
        assertThat(new HashSet<>(names)).containsExactlyInAnyOrderElementsOf(grown);
        assertThat(serve.nodeDaemons()).hasSize(2);

        // Released, the nodes are idle; after --slurm-idle they go back to Slurm, and nothing of taskfs stays.
        sh.echo("/" + s + "/ctl", "release");
        await().atMost(SLURM_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> growJobs().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> serve.nodeDaemons().isEmpty());
        assertThat(Capacity.parse(sh.cat("/ns"))).isEmpty();
        assertThat(sh.cat("/ctl")).doesNotContain("slurm job ");
        assertThat(serve.output()).contains("handing back slurm job " + job);
    }

    @Test
    void anAllocationCancelledWhileQueuedFailsTheResWithSlurmsWordsAndLeavesNothingReserved() throws Exception {
        String blocker = occupyAllNodes();
        // One node at most: were the cancelled allocation still counted, the next res could not grow at all.
        Serve serve = new Serve("--slurm-partition", "debug", "--slurm-max-nodes", "1", "--slurm-idle", "3");
        Sh sh = serve.client();
        String s = sh.newSession();
        CompletableFuture<Void> res = waiting(sh, s, "res 4");
        await().atMost(SLURM_WAIT).until(SlurmGrowthTest::growJobs, l -> l.size() == 1 && l.get(0).contains("PENDING"));
        String job = growJobs().get(0).split(" ")[0];

        assertThat(slurm.run(List.of("scancel", job)).exit()).isZero();
        String error = Sh.rerror(res, "res 4");
        assertThat(error).startsWith("res: slurm job " + job + " ended before its nodes joined: CANCELLED");
        assertThat(pendingLines(sh)).isEmpty();
        assertThat(sh.lines("/" + s + "/status")).isEmpty();
        assertThat(sh.lines("/" + s + "/ns")).isEmpty();
        assertThat(sh.cat("/ctl")).doesNotContain("slurm job ");

        // Nothing is held: once Slurm has room, the next res grows by a node and runs there.
        assertThat(slurm.run(List.of("scancel", blocker)).exit()).isZero();
        Sh.get(waiting(sh, s, "res 4"), SLURM_WAIT);
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $SLURMD_NODENAME'");
        assertThat(Sh.split(sh.cat("/" + s + "/stdio"))).hasSize(4).allMatch(n -> n.matches("n[1-4]"));
    }

    @Test
    void aResWhoseWaitPassesWhileSlurmQueuesItsAllocationFailsNamingItAndTheAllocationIsCancelled() throws Exception {
        occupyAllNodes();
        Serve serve = new Serve("--slurm-partition", "debug", "--slurm-max-nodes", "1");
        Sh sh = serve.client();
        String s = sh.newSession();
        CompletableFuture<Void> res = waiting(sh, s, "res 4 wait=5");
        await().atMost(SLURM_WAIT).until(SlurmGrowthTest::growJobs, l -> l.size() == 1);
        String job = growJobs().get(0).split(" ")[0];

        String error = Sh.rerror(res, "res 4 wait=5");
        assertThat(error).matches("res: not enough capacity: waited 5 s for 4 slots, 0 free, 0 reservations ahead "
                + "\\(no members up\\); the pool counts 4 slots Slurm partition debug can add \\(nodes of 4 CPUs, at "
                + "most 1 held\\); slurm job " + job + ": PENDING( \\w+)?");
        // Nobody waits for it any more: it does not stay queued in Slurm.
        await().atMost(SLURM_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> growJobs().isEmpty());
        assertThat(pendingLines(sh)).isEmpty();
        assertThat(serve.output()).contains("slurm job " + job + ": nobody waits for it any more; cancelled");
    }

    @Test
    void anAllocationSlurmRefusesFailsTheResWithSbatchsMessage() throws Exception {
        // The short partition's limit is a minute: sbatch refuses ten.
        Serve serve = new Serve("--slurm-partition", SlurmCluster.SHORT_PARTITION, "--slurm-time", "10");
        Sh sh = serve.client();
        String s = sh.newSession();
        String error = sh.echoFails("/" + s + "/ctl", "res 2");
        assertThat(error).isEqualTo("res: slurm refused the allocation: Batch job submission failed: Requested time "
                + "limit is invalid (missing or exceeds some limit)");
        assertThat(pendingLines(sh)).isEmpty();
        assertThat(sh.lines("/" + s + "/ns")).isEmpty();
        assertThat(growJobs()).isEmpty();
        // A res that is more than the partition could ever give fails at once, naming what Slurm would add.
        assertThat(sh.echoFails("/" + s + "/ctl", "res 17")).isEqualTo("res: not enough capacity: asked 17, 16 slots "
                + "in the pool (no members up); the pool counts 16 slots Slurm partition short can add (nodes of 4 "
                + "CPUs, at most 4 held)");
    }

    @Test
    void aPartitionSlurmDoesNotKnowStopsServeAtStart() throws Exception {
        Serve serve = new Serve("--slurm-partition", "nosuch");
        assertThat(serve.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.process.exitValue()).isNotZero();
        assertThat(serve.output()).contains("--slurm-partition nosuch: Slurm has no such partition, or no nodes in it");
    }

    @Test
    void anAllocationSlurmEndsWhileItsTasksRunTakesItsNodesOutAndTheTasksAreLost() throws Exception {
        Serve serve = new Serve("--slurm-partition", "debug", "--slurm-idle", "600");
        Sh sh = serve.client();
        String s = sh.newSession();
        Sh.get(waiting(sh, s, "res 2"), SLURM_WAIT);
        String sleeper = uniqueSleep(600);
        sh.echo("/" + s + "/ctl", "exec " + sleeper);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(markerOf(sleeper)).size() == 2);
        String job = growJobs().get(0).split(" ")[0];

        // As when its time limit passes: Slurm ends the job under running tasks.
        assertThat(slurm.run(List.of("scancel", job)).exit()).isZero();
        await().atMost(SLURM_WAIT).until(() -> sh.lines("/" + s + "/status"),
                l -> l.size() == 2 && l.stream().allMatch(x -> x.matches("cmd/\\d+ \\d+ Lost \\S+ sleep")));
        await().atMost(SLURM_WAIT).until(() -> Capacity.parse(sh.cat("/ns")).isEmpty()
                && !sh.cat("/ctl").contains("slurm job "));
        await().atMost(Duration.ofSeconds(30)).until(() -> serve.nodeDaemons().isEmpty()
                && processesWith(markerOf(sleeper)).isEmpty());
        assertThat(serve.output()).contains("slurm job " + job + " ended: CANCELLED");
    }

    @Test
    void serveStoppedWhileItHoldsAnAllocationLeavesNoJobAndNoNodeDaemon() throws Exception {
        Serve serve = new Serve("--slurm-partition", "debug", "--slurm-idle", "600");
        Sh sh = serve.client();
        String s = sh.newSession();
        Sh.get(waiting(sh, s, "res 1"), SLURM_WAIT);
        String sleeper = uniqueSleep(600);
        sh.echo("/" + s + "/ctl", "exec " + sleeper);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(markerOf(sleeper)).size() == 1);
        assertThat(growJobs()).singleElement().asString().contains("RUNNING");
        assertThat(serve.nodeDaemons()).hasSize(1);

        serve.process.destroy(); // SIGTERM, as Ctrl-C or a service manager
        assertThat(serve.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(SLURM_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> growJobs().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> serve.nodeDaemons().isEmpty()
                && processesWith(markerOf(sleeper)).isEmpty());
    }

    @Test
    void aCoordinatorKilledWhileItHoldsAnAllocationTakesItBackWithItsTaskAndHandsItBackWhenIdle() throws Exception {
        Path state = Files.createTempDirectory(slurm.dir, "state");
        Path go = slurm.dir.resolve("go-" + System.nanoTime());
        int port = Ports.unusedBelowEphemeralRange();
        String[] flags = {"--state", state.toString(), "--slurm-partition", "debug", "--slurm-idle", "3"};
        Serve first = new Serve(port, flags);
        Sh sh = first.client();
        String s = sh.newSession();
        Sh.get(waiting(sh, s, "res 1"), SLURM_WAIT);
        String job = growJobs().get(0).split(" ")[0];
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo before; while [ ! -e \"$0\" ]; do sleep 0.1; done; echo after' " + go);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(go.toString()).size() == 1);
        List<Long> daemons = first.nodeDaemons();
        assertThat(daemons).hasSize(1);

        first.process.destroyForcibly(); // SIGKILL: nothing is cancelled, nothing released
        assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(growJobs()).containsExactly(job + " RUNNING " + growJobs().get(0).split(" ")[2]);

        Serve second = new Serve(port, flags);
        Sh again = second.client();
        // The allocation is its own again, the node daemon the same, the task still running there.
        assertThat(again.cat("/ctl")).contains("slurm job " + job + " RUNNING");
        assertThat(second.output()).contains("took back slurm jobs " + job);
        await().atMost(Duration.ofSeconds(30)).until(() -> again.lines("/ns"), l -> l.size() == 1
                && l.get(0).endsWith("state=up"));
        assertThat(second.nodeDaemons()).isEqualTo(daemons);
        assertThat(again.lines("/" + s + "/status")).singleElement().asString().contains(" Execute ");
        CompletableFuture<String> stdout = again.catLater("/" + s + "/stdout");
        CompletableFuture<String> waits = again.catLater("/" + s + "/wait");
        Files.createFile(go);
        assertThat(Sh.get(stdout)).isEqualTo("before\nafter\n");
        assertThat(Sh.split(Sh.get(waits))).singleElement().asString().matches("0 [1-9]\\d* \\d+ \\d+ \\d+ ''");

        // Idle once released: back to Slurm as if the coordinator had never died, and gone from its state.
        again.echo("/" + s + "/ctl", "release");
        await().atMost(SLURM_WAIT).pollInterval(Duration.ofMillis(250)).until(() -> growJobs().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> second.nodeDaemons().isEmpty());
        assertThat(second.output()).contains("handing back slurm job " + job);
        second.close();
        Serve third = new Serve(port, flags);
        Sh last = third.client();
        assertThat(last.lines("/ns")).isEmpty();
        assertThat(last.cat("/ctl")).doesNotContain("slurm job ");
    }
}
