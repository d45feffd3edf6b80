package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
            List<Sh> shells = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                shells.add(sh(c));
            }
            // All at once: clone and res 1 each, then exec and read each.
            List<CompletableFuture<String>> reserved = new ArrayList<>();
            for (Sh sh : shells) {
                reserved.add(CompletableFuture.supplyAsync(() -> unchecked(() -> {
                    String s = sh.newSession();
                    sh.echo("/" + s + "/ctl", "res 1");
                    return s;
                }), pool));
            }
            List<String> sessions = new ArrayList<>();
            for (CompletableFuture<String> r : reserved) {
                sessions.add(Sh.get(r));
            }
            assertThat(new HashSet<>(sessions)).hasSize(clients);
            // Eight reservations at once took the eight slots, none twice.
            for (var n : c.nodes()) {
                assertThat(n.tasks().taskCount()).isEqualTo(2);
            }
            List<CompletableFuture<String>> outputs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Sh sh = shells.get(i);
                String s = sessions.get(i);
                int me = i;
                outputs.add(CompletableFuture.supplyAsync(() -> unchecked(() -> {
                    sh.echo("/" + s + "/ctl", "exec echo " + me);
                    return sh.cat("/" + s + "/stdio");
                }), pool));
            }
            for (int i = 0; i < clients; i++) {
                assertThat(Sh.get(outputs.get(i))).as("client %d's output", i).isEqualTo(i + "\n");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Step<T> {
        T run() throws Exception;
    }

    static <T> T unchecked(Step<T> step) {
        try {
            return step.run();
        } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
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
        await().atMost(Sh.WAIT).until(() -> c.nodes().get(0).tasks().taskCount() == 1);
        // One that still runs stays, however long nobody looks.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> c.coordinator()
                .sessions().get(Integer.parseInt(running)) != null);
        sh.echo("/" + running + "/ctl", "kill");
    }
}
