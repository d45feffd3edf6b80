package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;

/** Sessions belong to no connection: clients come and go, several at once; idle sessions are swept. */
class ClientsTest extends ClusterTestBase {

    @Test
    void aClientThatDisconnectsLeavesItsSessionRunning() throws Exception {
        LocalCluster c = cluster(2, 4);
        Sh first = Sh.connect(c.address());
        String s = first.newSession();
        String sleep = uniqueSleep(1000);
        first.echo("/" + s + "/ctl", "res 2");
        first.echo("/" + s + "/ctl", "exec " + sleep);
        // Fids open at the moment it goes: a blocked reader and an open ctl.
        CompletableFuture<String> reading = first.catLater("/" + s + "/stdout");
        Sh.get(first.client.open("/" + s + "/ctl", P9.ORDWR));
        first.close();
        assertThat(reading).failsWithin(Sh.WAIT);

        Sh second = sh(c);
        assertThat(second.ls("/")).contains(s);
        assertThat(second.lines("/" + s + "/status")).hasSize(2).allMatch(l -> l.contains(" Execute "));
        assertThat(processesWith(markerOf(sleep))).hasSize(2);
        second.echo("/" + s + "/ctl", "kill");
        assertThat(second.lines("/" + s + "/wait")).hasSize(2).allMatch(l -> l.endsWith(" killed"));
    }

    @Test
    void concurrentSessionsFromSeveralClients() throws Exception {
        LocalCluster c = cluster(4, 2);
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<CompletableFuture<String[]>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int me = i;
                done.add(CompletableFuture.supplyAsync(() -> {
                    try (Sh sh = Sh.connect(c.address())) {
                        String s = sh.newSession();
                        sh.echo("/" + s + "/ctl", "res 1");
                        sh.echo("/" + s + "/ctl", "exec echo " + me);
                        return new String[] {s, sh.cat("/" + s + "/stdio")};
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, pool));
            }
            Set<String> sessions = new HashSet<>();
            for (int i = 0; i < clients; i++) {
                String[] r = Sh.get(done.get(i));
                assertThat(r[1]).as("client %d's output", i).isEqualTo(i + "\n");
                sessions.add(r[0]);
            }
            assertThat(sessions).hasSize(clients);
        } finally {
            pool.shutdownNow();
        }
        // Every task was placed within the nodes' slots.
        for (var n : c.nodes()) {
            assertThat(n.tasks().tasks()).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void anIdleFinishedSessionIsReleased() throws Exception {
        LocalCluster c = cluster(Coordinator.Config.defaults(LOOPBACK).withIdleTimeout(Duration.ofMillis(300)), 1, 4);
        Sh sh = sh(c);
        String done = sh.newSession();
        sh.echo("/" + done + "/ctl", "res 1");
        sh.echo("/" + done + "/ctl", "exec true");
        assertThat(sh.lines("/" + done + "/wait")).hasSize(1);

        String running = sh.newSession();
        sh.echo("/" + running + "/ctl", "res 1");
        sh.echo("/" + running + "/ctl", "exec " + uniqueSleep(1000));

        await().atMost(Sh.WAIT).until(() -> !sh.ls("/").contains(done));
        await().atMost(Sh.WAIT).until(() -> c.nodes().get(0).tasks().tasks().size() == 1);
        // One that still runs stays, however long nobody looks.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> c.coordinator()
                .sessions().get(Integer.parseInt(running)) != null);
        sh.echo("/" + running + "/ctl", "kill");
    }
}
