package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * A coordinator whose members are coordinators: one given at start (as {@code serve --node}
 * does), one mounted through the root ctl. Each of those has two nodes of two slots.
 */
class HierarchyTest extends ClusterTestBase {
    private LocalCluster lower1;
    private LocalCluster lower2;
    private Coordinator top;
    private Sh sh;

    @BeforeEach
    void tree() throws Exception {
        lower1 = cluster(2, 2);
        lower2 = cluster(2, 2);
        top = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withMembers(List.of(new Coordinator.MemberSpec(lower1.address(), "sub1")))));
        admin(top.address()).echo("/ctl", "mount " + lower2.address() + " sub2");
        sh = sh(top.address());
    }

    @Test
    void thePoolSumsTheMembersBelow() throws Exception {
        String arch = sh.cat("/arch").trim();
        assertThat(sh.lines("/ns")).containsExactly(
                "mount " + lower1.address() + " sub1 slots=4 busy=0 state=up",
                "mount " + lower2.address() + " sub2 slots=4 busy=0 state=up");
        assertThat(sh.cat("/status")).isEqualTo("8 " + arch + "\n");
    }

    @Test
    void resSpreadsOverTheLeavesBelowAndNumbersThemFlat() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        // A mounted coordinator is mounted like a node: its tasks are this session's tasks, 0..3.
        assertThat(sh.ls("/" + s)).startsWith("0", "1", "2", "3", "ctl");
        assertThat(sh.ls("/" + s + "/3")).first().isEqualTo("ctl");
        // One task on each of the four nodes.
        for (LocalCluster lower : List.of(lower1, lower2)) {
            for (NodeDaemon n : lower.nodes()) {
                assertThat(n.tasks().taskCount()).isEqualTo(1);
            }
        }
        List<String> status = sh.lines("/" + s + "/status");
        assertThat(status).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Closed \\S+ ''"));
        assertThat(sh.lines("/" + s + "/2/status")).containsExactly(status.get(2));
        // ns says where each task is reached: through the coordinator below.
        List<String> ns = sh.lines("/" + s + "/ns");
        assertThat(ns).extracting(l -> l.split(" ")[2]).containsExactly("0", "1", "2", "3");
        assertThat(ns).extracting(l -> l.split(" ")[1].replaceAll("!/\\d+/\\d+$", "")).containsExactly(
                lower1.address().toString(), lower1.address().toString(),
                lower2.address().toString(), lower2.address().toString());

        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $TASKFS_TASK $TASKFS_INDEX $TASKFS_SIZE $TASKFS_ADDR'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactly(
                "/" + s + "/0 0 4 " + top.address(),
                "/" + s + "/1 1 4 " + top.address(),
                "/" + s + "/2 2 4 " + top.address(),
                "/" + s + "/3 3 4 " + top.address());
        List<String> waits = sh.lines("/" + s + "/wait");
        assertThat(waits).hasSize(4).extracting(l -> l.split(" ")[0]).containsExactlyInAnyOrder("0", "1", "2", "3");
        assertThat(waits).allMatch(l -> PlanNineQuoting.tokenize(l).size() == 6 && l.endsWith(" ''"));
        // A task's own wait is its line alone.
        assertThat(sh.lines("/" + s + "/2/wait")).singleElement().asString().endsWith(" ''")
                .doesNotStartWith("2 ");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.contains(" Done "));
    }

    @Test
    void taggedOutputNamesTheTasks() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "output tagged");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo hi $TASKFS_INDEX'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactlyInAnyOrder("0: hi 0", "1: hi 1", "2: hi 2", "3: hi 3");
        assertThat(sh.lines("/" + s + "/2/stdout")).containsExactly("hi 2");
    }

    @Test
    void aSiblingIsReachedByItsIndexWhereverItRuns() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/0/ctl", "exec echo from 0");
        // Task 3 is task 1 of the session below, and task 0 of its node's: the error names it as here.
        assertThat(sh.echoFails("/" + s + "/3/ctl", "exec taskfs-no-such-command"))
                .isEqualTo("task 3: exec failed: taskfs-no-such-command: No such file or directory");
        assertThat(sh.cat("/" + s + "/0/stdout")).isEqualTo("from 0\n");
        assertThat(sh.lines("/" + s + "/status").get(3)).contains(" Fail ");
        assertThat(sh.lines("/" + s + "/status").subList(1, 3)).allMatch(l -> l.contains(" Closed "));
    }

    @Test
    void inputSpreadsToTheLeavesBelow() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "input rr");
        sh.echo("/" + s + "/ctl", "exec cat");
        sh.writeAll("/" + s + "/stdin", "a\nb\nc\nd\ne\nf\ng\nh\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("a\ne\nb\nf\nc\ng\nd\nh\n");
    }

    @Test
    void killAndReleaseReachTheNodesBelow() throws Exception {
        String s = sh.newSession();
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "exec " + sleep);
        assertThat(processesWith(markerOf(sleep))).hasSize(4);
        await().atMost(Sh.WAIT).until(() -> sh.cat("/ns").contains("busy=2"));

        sh.echo("/" + s + "/ctl", "kill");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(4).allMatch(l -> l.endsWith(" killed"));
        assertThat(processesWith(markerOf(sleep))).isEmpty();

        sh.echo("/" + s + "/ctl", "release");
        assertThat(sh.ls("/")).doesNotContain(s);
        for (LocalCluster lower : List.of(lower1, lower2)) {
            await().atMost(Sh.WAIT).until(() -> lower.coordinator().sessions().sessions().isEmpty());
            for (NodeDaemon n : lower.nodes()) {
                await().atMost(Sh.WAIT).until(() -> n.tasks().taskCount() == 0);
            }
        }
    }

    @Test
    void aFailedExecBelowFailsTheWholeExec() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        String error = sh.echoFails("/" + s + "/ctl", "exec /nonexistent/taskfs-no-such-binary");
        // Named once, by its number here, though it failed two levels down.
        assertThat(error).startsWith("task ").contains("exec failed: /nonexistent/taskfs-no-such-binary")
                .doesNotContain(": task ");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.contains(" Fail "));
        sh.echo("/" + s + "/ctl", "exec echo ok");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("ok\n".repeat(4));
    }

    @Test
    void moreThanTheMembersBelowHoldIsRefused() throws Exception {
        String s = sh.newSession();
        assertThat(sh.echoFails("/" + s + "/ctl", "res 9")).startsWith("res: not enough capacity: asked 9, 8 slots in the pool");
        sh.echo("/" + s + "/ctl", "res 8");
        assertThat(sh.lines("/" + s + "/status")).hasSize(8);
    }
}
