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

/**
 * A node that stalls (SIGSTOP) is unreachable, not lost: a stall shorter than the node timeout loses
 * nothing, a longer one loses its tasks, and either way the node is used again once it answers.
 */
class NodeStallTest extends ClusterTestBase {
    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    private Coordinator coordinator(NodeProcess node, Duration requestTimeout, Duration nodeTimeout) {
        return closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(HEARTBEAT, requestTimeout, Duration.ofMillis(500), nodeTimeout))
                .withMembers(List.of(new Coordinator.MemberSpec(node.address(), "stalled")))));
    }

    /** Reads the task's stdout until its first line has reached the coordinator. */
    private static void awaitFirstLine(Sh sh, String task, String line) throws Exception {
        RemoteFid out = Sh.get(sh.blocking.open(task + "/stdout", P9.OREAD));
        assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo(line);
        Sh.get(out.clunk());
    }

    @Test
    void aStallShorterThanTheNodeTimeoutLosesNothing() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(2));
        // A short request timeout, so that a command held back by the stall is answered within the test.
        Coordinator c = coordinator(node, Duration.ofSeconds(3), Duration.ofSeconds(60));
        Sh sh = sh(c.address());
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 1");
        String sleep = uniqueSleep(2);
        sh.echo(s + "/ctl", "exec sh -c 'echo before; " + sleep + "; echo after'");
        awaitFirstLine(sh, s + "/0", "before\n");
        CompletableFuture<String> stdout = sh.catLater(s + "/0/stdout");
        CompletableFuture<String> waited = sh.catLater(s + "/0/wait");

        node.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> sh.cat("/ns").contains(" stalled slots=2 busy=1 state=unreachable"));
        // The task finishes while its node is stopped (its processes are not): the stall outlasts it.
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(markerOf(sleep)).isEmpty());
        assertThat(sh.cat("/ns")).contains("state=unreachable");
        // Its last known state, not Lost; its readers wait.
        assertThat(sh.lines(s + "/status")).singleElement().asString().matches("cmd/\\d+ \\d+ Execute \\S+ sh");
        assertThat(stdout).isNotDone();
        assertThat(waited).isNotDone();
        // Nothing new goes there.
        assertThat(sh.echoFails("/" + sh.newSession() + "/ctl", "res 1")).startsWith("res: ");
        // A command is held back, not sent into the silence, and fails in bounded time naming the member.
        assertThat(sh.echoFails(s + "/ctl", "kill")).contains("stalled (" + node.address() + ") is unreachable");
        // One given now is carried out when the node answers again.
        CompletableFuture<Void> eof = sh.client.write(s + "/0/ctl", "eof\n");

        node.cont();
        Sh.get(eof);
        assertThat(Sh.get(stdout)).isEqualTo("before\nafter\n");
        List<String> wait = PlanNineQuoting.tokenize(Sh.get(waited).strip());
        assertThat(wait).hasSize(5);
        assertThat(wait.get(4)).as("exit status of %s", wait).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> sh.cat("/ns").contains(" stalled slots=2 busy=0 state=up"));
        assertThat(sh.lines(s + "/status")).singleElement().asString().matches("cmd/\\d+ \\d+ Done \\S+ sh");
        String t = "/" + sh.newSession();
        sh.echo(t + "/ctl", "res 2");
        sh.echo(t + "/ctl", "exec echo again");
        assertThat(sh.cat(t + "/stdout")).isEqualTo("again\nagain\n");
    }

    @Test
    void aStallLongerThanTheNodeTimeoutLosesTheTasksAndTheNodeComesBack() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(2));
        Coordinator c = coordinator(node, Duration.ofSeconds(2), Duration.ofSeconds(2));
        Sh sh = sh(c.address());
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 1");
        sh.echo(s + "/ctl", "exec sh -c 'echo before; " + uniqueSleep(60) + "'");
        awaitFirstLine(sh, s + "/0", "before\n");
        CompletableFuture<String> waited = sh.catLater(s + "/0/wait");

        node.stop();
        await().atMost(Duration.ofSeconds(15)).until(() -> sh.lines(s + "/status").get(0).contains(" Lost "));
        assertThat(Sh.get(waited)).isEqualTo("0 0 0 0 'node lost: stalled: no answer for 2 s (the node timeout)'\n");
        assertThat(sh.cat(s + "/0/stdout")).isEqualTo("before\n");
        assertThat(sh.cat("/ns")).contains(" stalled ").contains("state=down");

        node.cont();
        await().atMost(Duration.ofSeconds(15)).until(() -> sh.cat("/ns").contains("state=up"));
        String t = "/" + sh.newSession();
        sh.echo(t + "/ctl", "res 1");
        sh.echo(t + "/ctl", "exec echo back");
        assertThat(sh.cat(t + "/stdout")).isEqualTo("back\n");
        // What was lost stays lost: the node back is not its tasks back.
        assertThat(sh.lines(s + "/status")).singleElement().asString().matches("cmd/\\d+ \\d+ Lost \\S+ sh");
        assertThat(sh.cat(s + "/0/wait")).startsWith("0 0 0 0 'node lost: stalled: ");
    }

    /** A node that answers, if only with errors (at its fid limit, say), is alive: it is neither unreachable nor lost. */
    @Test
    void aHeartbeatAnsweredWithAnErrorIsAnAnswer() throws Exception {
        NodeDaemon node = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(LOOPBACK).withSlots(2)));
        SilentPeers.Relay relay = closeLater(new SilentPeers.Relay(node.address()));
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(HEARTBEAT, Duration.ofSeconds(2), Duration.ofMillis(500),
                        Duration.ofSeconds(1)))
                .withMembers(List.of(new Coordinator.MemberSpec(relay.address(), "refusing")))));
        Sh sh = sh(c.address());
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 1");

        relay.refuse("too many fids (limit 3)");
        // Each beat is two reads, each refused at its walk: twice the node timeout of refused beats.
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.errors() >= 20);
        assertThat(sh.cat("/ns")).contains(" refusing slots=2 busy=1 state=up");

        relay.refuse(null);
        assertThat(sh.lines(s + "/status")).singleElement().asString().matches("cmd/\\d+ \\d+ Closed \\S+ \\S*");
        sh.echo(s + "/ctl", "exec echo alive");
        assertThat(sh.cat(s + "/stdout")).isEqualTo("alive\n");
    }
}
