package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.pool.Pool;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.PlanNineQuoting;

/** A node process killed mid-run: its tasks are Lost, the rest of the session goes on, nothing hangs. */
class NodeLossTest extends ClusterTestBase {

    @Test
    void aNodeKilledMidRunLosesItsTasksAndNothingHangs() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        NodeProcess beta = closeLater(NodeProcess.start(2));
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                // A node timeout far beyond the bound below: a closed connection is a loss at once.
                .withPool(new Pool.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1),
                        Duration.ofSeconds(60)))
                .withMembers(List.of(new Coordinator.MemberSpec(alpha.address(), "alpha"),
                        new Coordinator.MemberSpec(beta.address(), "beta")))));
        Sh sh = sh(c.address());
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        List<String> ns = sh.lines("/" + s + "/ns");
        assertThat(ns).extracting(l -> l.split(" ")[1].replaceAll("!/\\d+/\\d+$", "")).containsExactly(
                alpha.address().toString(), alpha.address().toString(),
                beta.address().toString(), beta.address().toString());

        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo start; " + sleep + "'");
        // Readers of the gathered output, there from the start of the run.
        CompletableFuture<String> ordered = sh.catLater("/" + s + "/stdout");
        CompletableFuture<String> waits = sh.catLater("/" + s + "/wait");
        // Each task's first line has reached the coordinator.
        for (int t = 0; t < 4; t++) {
            RemoteFid out = Sh.get(sh.blocking.open("/" + s + "/" + t + "/stdout", P9.OREAD));
            assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("start\n");
            Sh.get(out.clunk());
        }
        // sh starts the sleep after its echo.
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 4);

        beta.kill9();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> status = sh.lines("/" + s + "/status");
            assertThat(status).hasSize(4);
            assertThat(status.subList(0, 2)).allMatch(l -> l.contains(" Execute "));
            assertThat(status.subList(2, 4)).allMatch(l -> l.matches("cmd/\\d+ \\d+ Lost \\S+ sh"));
        });
        assertThat(sh.cat("/ns")).contains(" beta slots=").contains("state=down");
        assertThat(waits).isNotDone();

        // The tasks still alive can be ended as usual.
        sh.echo("/" + s + "/ctl", "kill");
        List<String> lines = Sh.split(Sh.get(waits));
        assertThat(lines).hasSize(4);
        for (String l : lines) {
            List<String> f = PlanNineQuoting.tokenize(l);
            assertThat(f).hasSize(6);
            if (f.get(0).equals("0") || f.get(0).equals("1")) {
                assertThat(f.get(5)).isEqualTo("killed");
            } else {
                assertThat(f.get(0)).isIn("2", "3");
                assertThat(f.get(5)).startsWith("node lost: beta: ");
            }
        }
        // What was produced, then end of file.
        assertThat(Sh.get(ordered)).isEqualTo("start\n".repeat(4));
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("start\n".repeat(4));
        assertThat(sh.cat("/" + s + "/3/stdout")).isEqualTo("start\n");
        assertThat(sh.cat("/" + s + "/3/wait")).startsWith("0 0 0 0 'node lost: beta: ");

        // New work goes to what is left.
        String t = sh.newSession();
        sh.echo("/" + t + "/ctl", "res 2");
        sh.echo("/" + t + "/ctl", "exec echo survivor");
        assertThat(sh.cat("/" + t + "/stdout")).isEqualTo("survivor\nsurvivor\n");
        assertThat(sh.cat("/" + t + "/ns")).doesNotContain(beta.address().toString());
        assertThat(sh.echoFails("/" + sh.newSession() + "/ctl", "res 3")).startsWith("res: not enough capacity: asked 3, 2 slots in the pool");
    }

    /** A node that stops answering without closing its connections is lost once the node timeout passes. */
    @Test
    void aNodeThatFallsSilentIsLostAfterTheNodeTimeout() throws Exception {
        NodeDaemon far = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(2)));
        NodeDaemon near = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(2)));
        SilentPeers.Relay relay = closeLater(new SilentPeers.Relay(far.address()));
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1),
                        Duration.ofSeconds(2)))
                .withMembers(List.of(new Coordinator.MemberSpec(relay.address(), "far"),
                        new Coordinator.MemberSpec(near.address(), "near")))));
        Sh sh = sh(c.address());
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "output tagged");
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo start; " + sleep + "'");
        CompletableFuture<String> tagged = sh.catLater("/" + s + "/stdout");
        for (int t = 0; t < 2; t++) {
            RemoteFid out = Sh.get(sh.blocking.open("/" + s + "/" + t + "/stdout", P9.OREAD));
            assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("start\n");
            Sh.get(out.clunk());
        }

        relay.freeze();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(sh.lines("/" + s + "/status").get(0)).matches("cmd/\\d+ \\d+ Lost \\S+ sh"));
        assertThat(sh.cat("/" + s + "/0/wait")).isEqualTo("0 0 0 0 'node lost: far: no answer for 2 s (the node timeout)'\n");
        sh.echo("/" + s + "/ctl", "kill");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(2);
        assertThat(Sh.split(Sh.get(tagged))).containsExactlyInAnyOrder("0: start", "1: start");
    }

    /** A node restarted at the same address is dialled again and used: what it ran before stays Lost. */
    @Test
    void aRestartedNodeIsUsedAgainButItsOldTasksStayLost() throws Exception {
        NodeProcess first = closeLater(NodeProcess.start(2));
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(500),
                        Duration.ofSeconds(60)))
                .withMembers(List.of(new Coordinator.MemberSpec(first.address(), "phoenix")))));
        Sh sh = sh(c.address());
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 1");
        sh.echo(s + "/ctl", "exec sh -c 'echo before; " + uniqueSleep(60) + "'");
        RemoteFid out = Sh.get(sh.blocking.open(s + "/0/stdout", P9.OREAD));
        assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("before\n");
        Sh.get(out.clunk());

        first.kill9();
        await().atMost(Duration.ofSeconds(10)).until(() -> sh.lines(s + "/status").get(0).contains(" Lost "));
        NodeProcess second = closeLater(NodeProcess.startAt(first.address(), 2));
        await().atMost(Sh.WAIT).until(() -> sh.cat("/ns").contains(" phoenix slots=2 busy=0 state=up"));

        // Both its slots are free: the old task is not taken back for one of the new node's.
        String t = "/" + sh.newSession();
        sh.echo(t + "/ctl", "res 2");
        sh.echo(t + "/ctl", "exec echo again");
        assertThat(sh.cat(t + "/stdout")).isEqualTo("again\nagain\n");
        assertThat(sh.lines(s + "/status")).singleElement().asString().matches("cmd/\\d+ \\d+ Lost \\S+ sh");
        assertThat(sh.cat(s + "/0/wait")).startsWith("0 0 0 0 'node lost: phoenix: ");
        assertThat(second.isAlive()).isTrue();
    }
}
