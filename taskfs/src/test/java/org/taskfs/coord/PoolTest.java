package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.pool.Pool;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/** The root files of the pool: ns, ctl (mount, unmount, drain), and placement over the members. */
class PoolTest extends ClusterTestBase {

    @Test
    void nsListsTheMembersAndBusyFollowsTheRunningTasks() throws Exception {
        LocalCluster c = cluster(2, 3);
        Sh sh = sh(c);
        DialAddress a0 = c.nodes().get(0).address();
        DialAddress a1 = c.nodes().get(1).address();
        assertThat(sh.lines("/ns")).containsExactly(
                "mount " + a0 + " node0 slots=3 busy=0 state=up",
                "mount " + a1 + " node1 slots=3 busy=0 state=up");

        String s = sh.newSession();
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "exec " + sleep);
        assertThat(sh.lines("/ns")).containsExactly(
                "mount " + a0 + " node0 slots=3 busy=2 state=up",
                "mount " + a1 + " node1 slots=3 busy=2 state=up");

        sh.echo("/" + s + "/ctl", "kill");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(4);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(sh.lines("/ns"))
                .allMatch(l -> l.contains(" busy=0 ")));
    }

    @Test
    void placementSpreadsOneTaskPerNode() throws Exception {
        LocalCluster c = cluster(4, 2);
        Sh sh = sh(c);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        List<String> ns = sh.lines("/" + s + "/ns");
        assertThat(ns).hasSize(4);
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String[] f = ns.get(i).split(" ");
            assertThat(f).hasSize(3);
            assertThat(f[0]).isEqualTo("bind");
            assertThat(f[1]).matches("tcp!127\\.0\\.0\\.1!\\d+!/\\d+/0");
            assertThat(f[2]).isEqualTo(Integer.toString(i));
            nodes.add(f[1].substring(0, f[1].lastIndexOf("!")));
        }
        assertThat(nodes).containsExactlyInAnyOrderElementsOf(
                c.nodes().stream().map(n -> n.address().toString()).toList());
        for (NodeDaemon n : c.nodes()) {
            assertThat(n.tasks().taskCount()).isEqualTo(1);
        }
        // The least busy go first: two more land on two nodes, not on one.
        String t = sh.newSession();
        sh.echo("/" + t + "/ctl", "res 2");
        assertThat(sh.lines("/" + t + "/ns")).extracting(l -> l.split(" ")[1].replaceAll("!/\\d+/\\d+$", ""))
                .doesNotHaveDuplicates();
    }

    @Test
    void aDrainedNodeGetsNoNewTasksAndKeepsItsRunningOnes() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        Sh admin = admin(c.address());
        String a = sh.newSession();
        String sleep = uniqueSleep(1000);
        sh.echo("/" + a + "/ctl", "res 2");
        sh.echo("/" + a + "/ctl", "exec " + sleep);

        admin.echo("/ctl", "drain node0");
        assertThat(sh.lines("/ns").get(0)).endsWith(" node0 slots=2 busy=1 state=draining");
        String b = sh.newSession();
        sh.echo("/" + b + "/ctl", "res 1");
        assertThat(sh.cat("/" + b + "/ns")).startsWith("bind " + c.nodes().get(1).address() + "!/");
        assertThat(sh.echoFails("/" + b + "/ctl", "res 1 wait=0")).startsWith("res: not enough capacity: asked 1, 0 free slots");

        // What ran there goes on and ends normally.
        assertThat(sh.lines("/" + a + "/status")).allMatch(l -> l.contains(" Execute "));
        sh.echo("/" + a + "/ctl", "kill");
        assertThat(sh.lines("/" + a + "/wait")).hasSize(2).allMatch(l -> l.endsWith(" killed"));
    }

    @Test
    void aDrainReasonShowsInNsTheCensusDropsItsSlotsAndUndrainRestoresThem() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        Sh admin = admin(c.address());
        String arch = org.taskfs.task.HostInfo.LOCAL.toString();
        // A coordinator above this one reads its ns as any member's.
        Coordinator top = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withMembers(List.of(new Coordinator.MemberSpec(c.address(), "rack")))));
        Sh above = sh(top.address());
        assertThat(sh.cat("/status")).isEqualTo("4 " + arch + "\n");

        admin.echo("/ctl", "drain node0 disk sda failing");
        assertThat(sh.lines("/ns").get(0)).endsWith(" node0 slots=2 busy=0 state=draining reason='disk sda failing'");
        assertThat(sh.lines("/ns").get(1)).endsWith(" node1 slots=2 busy=0 state=up");
        assertThat(sh.cat("/status")).isEqualTo("2 " + arch + "\n");
        // The ns line, reason and all, is still a capacity line to those who parse it.
        assertThat(org.taskfs.task.Capacity.parse(sh.cat("/ns"))).extracting(org.taskfs.task.Capacity::reason)
                .containsExactly("disk sda failing", null);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(above.lines("/ns")).containsExactly(
                "mount " + c.address() + " rack slots=2 busy=0 state=up"));
        // Drained again: the reason is replaced, or dropped when none is given.
        admin.echo("/ctl", "drain node0 'it''s back'");
        assertThat(sh.lines("/ns").get(0)).endsWith(" state=draining reason='it''s back'");
        admin.echo("/ctl", "drain node0");
        assertThat(sh.lines("/ns").get(0)).endsWith(" node0 slots=2 busy=0 state=draining");

        admin.echo("/ctl", "undrain node0");
        assertThat(sh.lines("/ns").get(0)).endsWith(" node0 slots=2 busy=0 state=up");
        assertThat(sh.cat("/status")).isEqualTo("4 " + arch + "\n");
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        assertThat(sh.lines("/" + s + "/ns")).filteredOn(l -> l.startsWith("bind " + c.nodes().get(0).address() + "!/"))
                .hasSize(2);
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(above.lines("/ns")).containsExactly(
                "mount " + c.address() + " rack slots=4 busy=4 state=up"));
        // Undraining what is not drained changes nothing; a name not in the pool is named.
        admin.echo("/ctl", "undrain node1");
        assertThat(admin.echoFails("/ctl", "undrain nosuch")).contains("nosuch");
        assertThat(closeLater(Sh.connect(c.address(), "guest")).echoFails("/ctl", "undrain node0"))
                .isEqualTo("permission denied");
    }

    @Test
    void unmountTakesANodeOutAndItsTasksAreLost() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        admin(c.address()).echo("/ctl", "unmount node0");
        assertThat(sh.lines("/ns")).singleElement().asString().contains(" node1 ");
        List<String> status = sh.lines("/" + s + "/status");
        assertThat(status.get(0)).contains(" Lost ");
        assertThat(status.get(1)).contains(" Closed ");
        // Lost before it ever ran: a reader of its wait is told so rather than left waiting.
        assertThat(sh.cat("/" + s + "/0/wait")).isEqualTo("0 0 0 0 'node lost: node0: unmounted'\n");
        assertThat(sh.cat("/" + s + "/0/stdout")).isEmpty();
        assertThat(admin(c.address()).echoFails("/ctl", "unmount node0")).contains("node0");
    }

    @Test
    void mountingWhatDoesNotAnswerFailsClearly() throws Exception {
        Coordinator top = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofSeconds(1),
                        Duration.ofSeconds(60)))));
        Sh admin = admin(top.address());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String refused = admin.echoFails("/ctl", "mount tcp!127.0.0.1!" + closedPort + " ghost");
        assertThat(refused).startsWith("mount: cannot reach tcp!127.0.0.1!" + closedPort + ": ");

        SilentPeers.Mute mute = closeLater(new SilentPeers.Mute());
        // Answered (not left hanging), and by the handshake's timeout, not by anything else.
        String silent = admin.echoFails("/ctl", "mount " + mute.address() + " mute");
        assertThat(silent).startsWith("mount: cannot reach " + mute.address() + ": ").contains("within 800");
        assertThat(admin.cat("/ns")).isEmpty();

        NodeDaemon real = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(2)));
        admin.echo("/ctl", "mount " + real.address() + " real slots=1");
        assertThat(admin.lines("/ns")).containsExactly("mount " + real.address() + " real slots=1 busy=0 state=up");
        assertThat(admin.echoFails("/ctl", "mount " + real.address() + " real")).contains("real").contains("taken");
        assertThat(admin.echoFails("/ctl", "mount " + real.address() + " x slots=many")).contains("slots=many");
    }

    @Test
    void aMemberThatNeverAnswersIsSkippedAtStart() throws Exception {
        SilentPeers.Mute mute = closeLater(new SilentPeers.Mute());
        NodeDaemon real = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(2)));
        // Start-up waits for every member to answer or time out: it returns, with the silent one down.
        Coordinator c = closeLater(Sh.get(CompletableFuture.supplyAsync(() -> Coordinator.start(
                Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofSeconds(1),
                        Duration.ofSeconds(60)))
                .withMembers(List.of(new Coordinator.MemberSpec(mute.address(), "mute"),
                        new Coordinator.MemberSpec(real.address(), "real")))))));
        Sh sh = sh(c.address());
        assertThat(sh.lines("/ns")).containsExactly(
                "mount " + mute.address() + " mute slots=0 busy=0 state=down",
                "mount " + real.address() + " real slots=2 busy=0 state=up");
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "exec echo placed");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("placed\nplaced\n");
    }

    /** A node that was up stops answering: its share of a res goes elsewhere once the timeout passes. */
    @Test
    void aMemberThatStopsAnsweringIsSkippedWithinTheTimeout() throws Exception {
        NodeDaemon far = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(4)));
        NodeDaemon near = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(4)));
        SilentPeers.Relay relay = closeLater(new SilentPeers.Relay(far.address()));
        // A slow heartbeat, so it is the res itself that meets the silence.
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofSeconds(60), Duration.ofMillis(800), Duration.ofSeconds(60),
                        Duration.ofSeconds(120)))
                .withMembers(List.of(new Coordinator.MemberSpec(relay.address(), "far"),
                        new Coordinator.MemberSpec(near.address(), "near")))));
        Sh sh = sh(c.address());
        assertThat(sh.lines("/ns")).hasSize(2).allMatch(l -> l.endsWith("state=up"));
        relay.freeze();

        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        List<String> ns = sh.lines("/" + s + "/ns");
        assertThat(ns).hasSize(4).allMatch(l -> l.startsWith("bind " + near.address() + "!/"));
        assertThat(ns).extracting(l -> l.split(" ")[2]).containsExactly("0", "1", "2", "3");
        assertThat(near.tasks().taskCount()).isEqualTo(4);
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo elsewhere $TASKFS_TASK'");
        assertThat(sh.lines("/" + s + "/stdout")).containsExactly("elsewhere /" + s + "/0", "elsewhere /" + s + "/1",
                "elsewhere /" + s + "/2", "elsewhere /" + s + "/3");

        // With nowhere else to go (near is full), the res fails in bounded time and says why.
        sh.echo("/" + s + "/ctl", "exec " + uniqueSleep(1000));
        String t = sh.newSession();
        // Answered, not left hanging: the silent member was given up on by the request timeout.
        assertThat(sh.echoFails("/" + t + "/ctl", "res 4 wait=0")).startsWith("res: not enough capacity: asked 4, 0 free slots")
                .contains(" after far: ").contains("no reply within 800ms");
        assertThat(near.tasks().taskCount()).isEqualTo(4);
        sh.echo("/" + s + "/ctl", "kill KILL");
    }

    /**
     * What the heartbeat last heard from a node must not keep our own ended tasks' slots taken:
     * right after a session's tasks end, or it is released, its slots can be had again.
     */
    @Test
    void slotsAreFreeAgainAsSoonAsTheTasksEnd() throws Exception {
        LocalCluster c = cluster(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(1),
                        Duration.ofSeconds(60))), 2, 4);
        Sh sh = sh(c);
        for (int i = 0; i < 20; i++) {
            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 8");
            for (int run = 0; run < 2; run++) {
                sh.echo("/" + s + "/ctl", "exec true");
                assertThat(sh.lines("/" + s + "/wait")).hasSize(8);
            }
            // Ended: the same slots, and no more, can be had by another session at once.
            String other = sh.newSession();
            assertThat(sh.echoFails("/" + other + "/ctl", "res 9")).startsWith("res: not enough capacity: asked 9, 8 slots in the pool");
            sh.echo("/" + other + "/ctl", "res 8");
            sh.echo("/" + other + "/ctl", "release");
            sh.echo("/" + s + "/ctl", "release");
        }
    }
}
