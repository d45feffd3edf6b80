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
    void resSpreadsOverTheLeavesBelow() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        assertThat(sh.ls("/" + s)).startsWith("0", "1", "ctl");
        assertThat(sh.ls("/" + s + "/0")).startsWith("0", "1", "ctl");
        assertThat(sh.ls("/" + s + "/1")).startsWith("0", "1", "ctl");
        assertThat(sh.ls("/" + s + "/1/1")).first().isEqualTo("ctl");
        // One task on each of the four nodes.
        for (LocalCluster lower : List.of(lower1, lower2)) {
            for (NodeDaemon n : lower.nodes()) {
                assertThat(n.tasks().taskCount()).isEqualTo(1);
            }
        }
        List<String> status = sh.lines("/" + s + "/status");
        assertThat(status).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Closed \\S+ ''"));
        assertThat(sh.lines("/" + s + "/1/status")).containsExactly(status.get(2), status.get(3));
        assertThat(sh.lines("/" + s + "/1/0/status")).containsExactly(status.get(2));
        assertThat(sh.lines("/" + s + "/ns")).hasSize(4).extracting(l -> l.split(" ")[2])
                .containsExactly("0/0", "0/1", "1/0", "1/1");

        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $TASKFS_TASK $TASKFS_INDEX $TASKFS_SIZE $TASKFS_ADDR'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactly(
                "/" + s + "/0/0 0 4 " + top.address(),
                "/" + s + "/0/1 1 4 " + top.address(),
                "/" + s + "/1/0 2 4 " + top.address(),
                "/" + s + "/1/1 3 4 " + top.address());
        List<String> waits = sh.lines("/" + s + "/wait");
        assertThat(waits).hasSize(4).extracting(l -> l.split(" ")[0])
                .containsExactlyInAnyOrder("0/0", "0/1", "1/0", "1/1");
        assertThat(waits).allMatch(l -> PlanNineQuoting.tokenize(l).size() == 6 && l.endsWith(" ''"));
        // Seen from a group, paths are relative to it.
        assertThat(sh.lines("/" + s + "/1/wait")).extracting(l -> l.split(" ")[0]).containsExactlyInAnyOrder("0", "1");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.contains(" Done "));
    }

    @Test
    void taggedOutputNamesTheLeafPaths() throws Exception {
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "output tagged");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo hi $TASKFS_INDEX'");
        assertThat(sh.lines("/" + s + "/stdout"))
                .containsExactlyInAnyOrder("0/0: hi 0", "0/1: hi 1", "1/0: hi 2", "1/1: hi 3");
        assertThat(sh.lines("/" + s + "/1/stdout")).containsExactlyInAnyOrder("0: hi 2", "1: hi 3");
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
        assertThat(error).contains("exec failed: /nonexistent/taskfs-no-such-binary");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.contains(" Fail "));
        sh.echo("/" + s + "/ctl", "exec echo ok");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("ok\n".repeat(4));
    }

    @Test
    void moreThanTheMembersBelowHoldIsRefused() throws Exception {
        String s = sh.newSession();
        assertThat(sh.echoFails("/" + s + "/ctl", "res 9")).startsWith("res: not enough capacity: asked 9, 8 free slots");
        sh.echo("/" + s + "/ctl", "res 8");
        assertThat(sh.lines("/" + s + "/status")).hasSize(8);
    }
}
