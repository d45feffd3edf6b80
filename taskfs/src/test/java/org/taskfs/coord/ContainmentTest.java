package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/** No process of a task outlives its node daemon, nor its coordinator for longer than the node's orphan grace. */
class ContainmentTest extends ClusterTestBase {

    @Test
    void aNodeKilledBySigkillTakesEveryProcessOfItsTasksWithIt() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(2));
        Sh sh = sh(node.address());
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        String escaped = uniqueSleep(1000);
        String leader = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "exec sh -c 'setsid " + escaped + " & " + leader + "'");
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(escaped)).size() == 2
                && processesWith(markerOf(leader)).size() == 2);

        node.kill9();

        // No code of the daemon runs now; whatever kills them was arranged before.
        await().atMost(Duration.ofSeconds(10)).until(() -> processesWith(markerOf(escaped)).isEmpty()
                && processesWith(markerOf(leader)).isEmpty());
    }

    @Test
    void tasksOfAHolderThatWentAwayRunForTheGraceThenAreKilledAndTheirSlotsFreed() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(2, "--orphan-grace", "5"));
        Sh observer = sh(node.address());
        String escaped = uniqueSleep(1000);
        String leader = uniqueSleep(1000);
        String s;
        // The coordinator's part: a held session, made and run through its clone fid, kept open while it lives.
        try (Sh coordinator = Sh.connect(node.address())) {
            RemoteFid ctl = coordinator.open("/clone", P9.ORDWR);
            s = new String(Sh.get(ctl.read(0, 32)), StandardCharsets.UTF_8);
            for (String c : new String[] {"hold", "res 2", "exec sh -c 'setsid " + escaped + " & " + leader + "'"}) {
                Sh.get(ctl.write(0, c.getBytes(StandardCharsets.UTF_8)));
            }
            await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(escaped)).size() == 2
                    && processesWith(markerOf(leader)).size() == 2);
        }
        // The node has seen the connection go: no file of the session is open (status is no reference).
        await().atMost(Sh.WAIT).untilAsserted(() -> assertThat(observer.lines("/" + s + "/status"))
                .hasSize(2).allMatch(l -> l.matches("\\S+ 0 Execute .*")));
        assertThat(processesWith(markerOf(leader))).hasSize(2);
        assertThat(processesWith(markerOf(escaped))).hasSize(2);
        assertThat(observer.cat("/ns")).contains("busy=2");

        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(escaped)).isEmpty()
                && processesWith(markerOf(leader)).isEmpty());
        await().atMost(Sh.WAIT).untilAsserted(() -> {
            assertThat(observer.cat("/ns")).contains("busy=0");
            assertThat(observer.ls("/")).doesNotContain(s);
        });
    }

    @Test
    void aHolderKeepsItsSessionWithNoFileOpenForAsLongAsItsConnectionLasts() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(2, "--orphan-grace", "2", "--idle-timeout", "1"));
        Sh observer = sh(node.address());
        String s;
        try (Sh holder = Sh.connect(node.address())) {
            RemoteFid ctl = holder.open("/clone", P9.ORDWR);
            s = new String(Sh.get(ctl.read(0, 32)), StandardCharsets.UTF_8);
            for (String c : new String[] {"hold", "res 1", "exec echo kept"}) {
                Sh.get(ctl.write(0, c.getBytes(StandardCharsets.UTF_8)));
            }
            Sh.get(ctl.clunk());
            assertThat(holder.cat("/" + s + "/stdout")).isEqualTo("kept\n");
            assertThat(holder.cat("/" + s + "/wait")).endsWith(" ''\n");

            // Finished, no file of it open, for longer than the idle timeout and the grace together: it stays
            // the holder's, and runs again when told.
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8))
                    .until(() -> observer.ls("/").contains(s));
            holder.echo("/" + s + "/ctl", "exec echo again");
            assertThat(holder.cat("/" + s + "/stdout")).isEqualTo("again\n");
        }
        // The holder's connection gone: an orphan, released after the grace.
        await().atMost(Sh.WAIT).until(() -> !observer.ls("/").contains(s));
    }
}
