package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.taskfs.cli.CliTest.taskfs;
import static org.taskfs.cli.CliTest.taskfsWithInput;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.cli.CliTest.Run;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.styx.dial.DialAddress;

/** {@code taskfs run} as a pdsh, clush or Slurm user scripts it, against a coordinator with two real nodes. */
class RunCommandTest {
    private static LocalCluster cluster;
    private static String addr;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 2);
        addr = cluster.address().toString();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Run run(String... args) {
        return taskfs(concat(args));
    }

    private static String[] concat(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "run";
        all[1] = "-a";
        all[2] = addr;
        System.arraycopy(args, 0, all, 3, args.length);
        return all;
    }

    @Test
    void exitStatusIsTheHighestOfTheTasksAndEachFailureIsNamedWithItsNode() {
        Run r = run("-n", "3", "--", "sh", "-c", "exit $TASKFS_INDEX");

        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines()).hasSize(2);
        assertThat(r.err()).containsPattern("(?m)^taskfs run: task /\\d+/1 \\(node node[01]\\): exit: 1$")
                .containsPattern("(?m)^taskfs run: task /\\d+/2 \\(node node[01]\\): exit: 2$");

        // Killed by a signal: 128+N, as a shell reports it, above an ordinary exit code.
        Run signalled = run("-n", "2", "--", "sh", "-c", "test $TASKFS_INDEX = 1 && kill -INT $$; exit 3");
        assertThat(signalled.code()).as(signalled.err()).isEqualTo(130);
        assertThat(signalled.err()).contains("): signal: 2");

        // A command that cannot start is taskfs's failure, not the command's: 255, as ssh.
        Run missing = run("-n", "2", "--", "no-such-command-here");
        assertThat(missing.code()).isEqualTo(255);
        assertThat(missing.err()).containsPattern("task /\\d+/0 \\(node node[01]\\): exec failed: no-such-command-here");

        Run ok = run("-n", "3", "--", "true");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.err()).isEmpty();
    }

    @Test
    void theTasksStartInTheDirectoryRunWasStartedIn(@TempDir Path here) throws Exception {
        Files.writeString(here.resolve("input"), "mine\n");
        Run r = CliTest.taskfsIn(here, null, concat("-n", "2", "--", "sh", "-c", "pwd; cat input"));

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsOnly(here.toRealPath().toString(), "mine").hasSize(4);
    }

    @Test
    void aServerThatCannotBeReachedExits255() {
        Run r = taskfs("run", "-a", "tcp!127.0.0.1!1", "--", "true");

        assertThat(r.code()).isEqualTo(255);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString().startsWith("taskfs: ");
    }

    @Test
    void aTimeoutKillsWhatStillRunsAndNamesEachTaskThatHadNotEnded() throws Exception {
        long t0 = System.nanoTime();
        // Task 0 ends at once; task 1 would sleep well beyond the timeout.
        Run r = run("-t", "1.5", "-n", "2", "--", "sh", "-c", "test $TASKFS_INDEX = 0 || exec sleep 31.713");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.code()).as(r.err()).isEqualTo(RunCommand.TIMED_OUT);
        // Only the task that was still going, and no progress line: stderr is not a terminal here.
        assertThat(r.err().lines()).singleElement().asString()
                .matches("taskfs run: task /\\d+/1 \\(node node[01]\\): timed out after 1\\.5 s");
        assertThat(took).isLessThan(Duration.ofSeconds(15));
        await().atMost(Duration.ofSeconds(5)).until(() -> Sh.processesWith("31.713").isEmpty());

        // The shell exits at once, but what it left behind holds the output: the run goes on, and times out.
        Run held = run("-t", "1", "--", "sh", "-c", "sleep 31.714 & echo started");
        assertThat(held.code()).as(held.err()).isEqualTo(RunCommand.TIMED_OUT);
        assertThat(held.out()).isEqualTo("started\n");
        assertThat(held.err().lines()).singleElement().asString()
                .matches("taskfs run: task /\\d+/0 \\(node node[01]\\): timed out after 1 s");
        await().atMost(Duration.ofSeconds(5)).until(() -> Sh.processesWith("31.714").isEmpty());
    }

    @Test
    void taggedLinesOfStdoutAndStderrNameTheNodeAndTheTask() {
        Run r = run("-n", "4", "--tagged", "--", "sh", "-c", "echo out $TASKFS_INDEX; echo err $TASKFS_INDEX >&2");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(4);
        assertThat(r.err().lines()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(r.out()).containsPattern("(?m)^node[01]/" + i + ": out " + i + "$");
            assertThat(r.err()).containsPattern("(?m)^node[01]/" + i + ": err " + i + "$");
        }
        // Two slots on each of two nodes: both nodes are named, twice each.
        assertThat(r.out().lines().map(l -> l.substring(0, l.indexOf('/'))))
                .containsExactlyInAnyOrder("node0", "node0", "node1", "node1");
    }

    @Test
    void taggedOnANodeDaemonDirectlyNamesItsHost() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String node = cluster.nodes().get(0).address().toString();

        Run r = taskfs("run", "-a", node, "-n", "2", "--tagged", "--", "sh", "-c", "echo hi $TASKFS_INDEX");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactlyInAnyOrder(host + "/0: hi 0", host + "/1: hi 1");
    }

    @Test
    void collateGroupsIdenticalOutputsUnderAHeaderNamingTheirTasksAndNodes() {
        Run same = run("-b", "-n", "4", "--", "uname", "-s");

        assertThat(same.code()).as(same.err()).isZero();
        assertThat(same.out()).matches(
                "----------------\nnode\\[0-1\\] \\(tasks 0-3\\)\n----------------\nLinux\n");

        Run two = run("--collate", "-n", "4", "--", "sh", "-c", "echo $((TASKFS_INDEX % 2)); echo end");
        assertThat(two.code()).as(two.err()).isZero();
        Matcher m = Pattern.compile("----------------\n(\\S+) \\(tasks (\\S+)\\)\n----------------\n(\\d)\nend\n")
                .matcher(two.out());
        List<String> groups = m.results().map(g -> g.group(2) + "=" + g.group(3)).toList();
        assertThat(groups).containsExactly("0,2=0", "1,3=1");
        assertThat(two.out().lines()).hasSize(10);
    }

    /** pdsh's -w and -x: a hostlist of the members to run on (one task each, without -n), and of those not to. */
    @Test
    void dashWRunsOnlyOnTheMembersNamedOneTaskEachAndDashXNotOnThose() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        try (LocalCluster three = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 3, 0, 2)) {
            String at = three.address().toString();

            Run w = taskfs("run", "-a", at, "-w", "node[0-1]", "--tagged", "--", "hostname");
            assertThat(w.code()).as(w.err()).isZero();
            assertThat(w.out().lines().map(l -> l.replaceAll("/\\d+: ", " ")))
                    .containsExactlyInAnyOrder("node0 " + host, "node1 " + host);

            // -n still counts; -w is repeatable, as pdsh's.
            Run where = taskfs("run", "-a", at, "-w", "node1", "-w", "node2", "-n", "4", "--tagged", "--", "echo", "x");
            assertThat(where.code()).as(where.err()).isZero();
            assertThat(where.out().lines().map(l -> l.substring(0, l.indexOf('/'))))
                    .containsExactlyInAnyOrder("node1", "node1", "node2", "node2");

            Run x = taskfs("run", "-a", at, "-x", "node[0,2]", "-n", "2", "--tagged", "--", "echo", "x");
            assertThat(x.code()).as(x.err()).isZero();
            assertThat(x.out().lines()).containsExactlyInAnyOrder("node1/0: x", "node1/1: x");

            Run both = taskfs("run", "-a", at, "-w", "node[0-2]", "-x", "node1", "-b", "--", "echo", "x");
            assertThat(both.code()).as(both.err()).isZero();
            assertThat(both.out()).isEqualTo("----------------\nnode[0,2] (tasks 0-1)\n----------------\nx\n");

            Run unknown = taskfs("run", "-a", at, "-w", "node[2-3]", "--", "true");
            assertThat(unknown.code()).isEqualTo(RunCommand.FAILED_TO_RUN);
            assertThat(unknown.err()).contains("res: no member named node3");

            Run bad = taskfs("run", "-a", at, "-w", "node[2-1]", "--", "true");
            assertThat(bad.code()).isEqualTo(2);
            assertThat(bad.err()).contains("-w: hostlist \"node[2-1]\": range 2-1 runs backwards");

            Run none = taskfs("run", "-a", at, "-w", "node1", "-x", "node[0-1]", "--", "true");
            assertThat(none.code()).isEqualTo(2);
            assertThat(none.err()).contains("-x node[0-1] excludes every node of -w node1: nothing to run on");
        }
    }

    @Test
    void progressGoesToStderrRedrawnInPlaceAndNeverToStdout() {
        Run r = run("--progress", "-n", "2", "--", "sh", "-c", "sleep 1.6; echo done");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("done\ndone\n");
        assertThat(r.err()).containsPattern("\rtaskfs run: 0/2 done, 2 running, 0 failed, 1\\.\\d s");
        // Erased at the end: nothing but the erasing follows the last line drawn.
        assertThat(r.err()).endsWith("\r").doesNotContain("\n");
    }

    @Test
    void runGivesItsInputToEveryTaskAndItsEndToo() {
        Run piped = taskfsWithInput("hi\n", concat("-n", "2", "--", "cat"));
        assertThat(piped.code()).as(piped.err()).isZero();
        assertThat(piped.out()).isEqualTo("hi\nhi\n");
        Run none = taskfsWithInput("", concat("-n", "2", "--", "wc", "-l"));
        assertThat(none.code()).as(none.err()).isZero();
        assertThat(none.out().lines()).containsExactly("0", "0");
    }

    @Test
    void helpDocumentsTheExitStatus() {
        Run r = taskfs("run", "--help");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Exit status:").contains("as pdsh -S").contains("124 when --timeout")
                .contains("--[no-]progress").contains("-b, --collate");
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheFix() {
        Run both = run("--tagged", "-b", "--", "true");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--tagged and --collate do not go together");

        Run timeout = run("-t", "soon", "--", "true");
        assertThat(timeout.code()).isEqualTo(2);
        assertThat(timeout.err()).contains("'soon' is not a number of seconds");
    }
}
