package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.task.Capacity;
import org.taskfs.task.SessionInfo;

/**
 * A res the pool could satisfy later waits (Pending) instead of failing, and is answered when slots free; one it
 * never could fails at once; a client that gives up leaves nothing reserved or queued; users are served in turns.
 */
class ResWaitTest extends ClusterTestBase {
    private static final Duration LONG = Duration.ofSeconds(60);

    /** {@code echo TEXT > ctl} whose answer may take as long as the slots take: no request timeout. */
    private static CompletableFuture<Void> waiting(Sh sh, String session, String text) {
        return sh.blocking.write("/" + session + "/ctl", text + "\n");
    }

    private static List<String> pendingLines(Sh sh) throws Exception {
        return sh.lines("/ns").stream().filter(l -> l.startsWith("pending ")).toList();
    }

    private static int busy(Sh sh) throws Exception {
        return Capacity.parse(sh.cat("/ns")).stream().mapToInt(Capacity::busy).sum();
    }

    private static int tasksOf(Sh sh, String session) throws Exception {
        return (int) sh.ls("/" + session).stream().filter(n -> n.matches("\\d+")).count();
    }

    @Test
    void aResThatFitsLaterWaitsPendingAndIsAnsweredWhenAnotherSessionReleases() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 3");
        String s = sh.newSession();
        CompletableFuture<Void> res = waiting(sh, s, "res 2");

        // Waiting: its status says so, the root ns lists it after the members, sessions counts it.
        await().atMost(Sh.WAIT).until(() -> sh.lines("/" + s + "/status"),
                l -> l.size() == 1 && l.get(0).matches("cmd/0 \\d+ Pending '' 'res 2'"));
        List<String> ns = sh.lines("/ns");
        assertThat(ns.get(0)).startsWith("mount ");
        assertThat(ns.get(1)).startsWith("mount ");
        assertThat(ns.subList(2, ns.size())).singleElement().asString()
                .matches("pending " + s + " " + ADMIN + " 2 \\* \\* since=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(Capacity.parse(sh.cat("/ns"))).hasSize(2); // the parsers of the pool skip it
        assertThat(SessionInfo.parse(sh.cat("/sessions"))).filteredOn(i -> i.id() == Integer.parseInt(s))
                .singleElement().satisfies(i -> {
                    assertThat(i.pending()).isEqualTo(2);
                    assertThat(i.tasks()).isZero();
                });
        assertThat(res).isNotDone();

        sh.echo("/" + holder + "/ctl", "release");
        Sh.get(res, Sh.WAIT);
        assertThat(sh.lines("/" + s + "/ns")).hasSize(2);
        assertThat(sh.lines("/" + s + "/status")).hasSize(2).allMatch(l -> l.contains(" Closed "));
        assertThat(pendingLines(sh)).isEmpty();
        sh.echo("/" + s + "/ctl", "exec echo served");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("served\nserved\n");
    }

    @Test
    void aResThePoolCouldNeverHoldFailsAtOnceNamingTheShortfall() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 4");
        String s = sh.newSession();
        String arch = sh.cat("/arch").trim();
        // Busy or not, the pool has 4 slots: 5 can never be had, so it does not wait.
        assertThat(sh.echoFails("/" + s + "/ctl", "res 5"))
                .isEqualTo("res: not enough capacity: asked 5, 4 slots in the pool (" + arch + ")");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 Plan9 mips"))
                .isEqualTo("res: not enough capacity: asked 1, 0 slots in the pool (Plan9 mips)");
        // wait=0: what is free now, or a refusal at once, as before.
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 wait=0"))
                .isEqualTo("res: not enough capacity: asked 1, 0 free slots (" + arch + ")");
        assertThat(sh.echoFails("/" + s + "/ctl", "res 1 wait=x")).startsWith("res: bad wait \"wait=x\"");
        assertThat(pendingLines(sh)).isEmpty();
        assertThat(tasksOf(sh, s)).isZero();
    }

    @Test
    void aWaitTimeFailsTheResNamingWhatItWaitedFor() throws Exception {
        LocalCluster c = cluster(1, 2);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 2");
        String s = sh.newSession();
        assertThat(Sh.rerror(waiting(sh, s, "res 2 wait=0.3"), "res 2 wait=0.3")).startsWith(
                "res: not enough capacity: waited 0.3 s for 2 slots, 0 free, 0 reservations ahead (");
        assertThat(pendingLines(sh)).isEmpty();
        sh.echo("/" + holder + "/ctl", "release");
        assertThat(tasksOf(sh, s)).isZero();
        assertThat(busy(sh)).isZero();
    }

    @Test
    void aFlushedResIsWithdrawnAndLeavesNothingReservedOrQueued() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 4");
        String s = sh.newSession();
        RemoteFid ctl = sh.open("/" + s + "/ctl", P9.OWRITE).withTimeout(Duration.ZERO);
        CompletableFuture<Integer> res = ctl.write(0, "res 3".getBytes(StandardCharsets.UTF_8));
        await().atMost(Sh.WAIT).until(() -> pendingLines(sh), l -> l.size() == 1);

        res.cancel(true); // the client's cancellation: a Tflush of the write
        await().atMost(Sh.WAIT).until(() -> pendingLines(sh), List::isEmpty);
        assertThat(sh.lines("/" + s + "/status")).isEmpty();

        // Freed slots go to no one: the withdrawn res does not take them.
        sh.echo("/" + holder + "/ctl", "release");
        assertThat(busy(sh)).isZero();
        assertThat(tasksOf(sh, s)).isZero();
        String other = sh.newSession();
        sh.echo("/" + other + "/ctl", "res 4 wait=0");
        Sh.get(ctl.clunk());
    }

    @Test
    void aClientThatDisconnectsWhileWaitingLeavesNothingReservedOrQueued() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 4");
        Sh gone = Sh.connect(c.address());
        String s = gone.newSession();
        CompletableFuture<Void> res = waiting(gone, s, "res 2");
        await().atMost(Sh.WAIT).until(() -> pendingLines(sh), l -> l.size() == 1);

        gone.close();
        assertThat(res).failsWithin(Sh.WAIT);
        await().atMost(Sh.WAIT).until(() -> pendingLines(sh), List::isEmpty);
        sh.echo("/" + holder + "/ctl", "release");
        assertThat(busy(sh)).isZero();
        assertThat(tasksOf(sh, s)).isZero();
        String other = sh.newSession();
        sh.echo("/" + other + "/ctl", "res 4 wait=0");
    }

    @Test
    void releasingAWaitingSessionEndsItsWait() throws Exception {
        LocalCluster c = cluster(1, 2);
        Sh sh = sh(c);
        Sh other = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 2");
        String s = sh.newSession();
        CompletableFuture<Void> res = waiting(sh, s, "res 1");
        await().atMost(Sh.WAIT).until(() -> pendingLines(sh), l -> l.size() == 1);
        other.echo("/" + s + "/ctl", "release");
        assertThat(Sh.rerror(res, "the waiting res")).isEqualTo("res: session " + s + " was released while it waited");
        assertThat(pendingLines(sh)).isEmpty();
    }

    @Test
    void manyClientsAtOnceAgainstASmallPoolAreEachServedAndNoneLeftReserved() throws Exception {
        LocalCluster c = cluster(2, 2);
        int clients = 40;
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Sh> shells = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                shells.add(sh(c));
            }
            List<CompletableFuture<String>> runs = new ArrayList<>();
            for (Sh sh : shells) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        String s = sh.newSession();
                        Sh.get(waiting(sh, s, "res 1"), LONG);
                        sh.echo("/" + s + "/ctl", "exec true");
                        String wait = sh.cat("/" + s + "/wait");
                        sh.echo("/" + s + "/ctl", "release");
                        return wait;
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, threads));
            }
            for (CompletableFuture<String> r : runs) {
                assertThat(Sh.get(r, LONG)).as("a wait line with an empty message").endsWith(" ''\n");
            }
        } finally {
            threads.shutdownNow();
        }
        Sh sh = sh(c);
        assertThat(pendingLines(sh)).isEmpty();
        assertThat(busy(sh)).isZero();
        assertThat(sh.cat("/sessions")).isEmpty();
        assertThat(c.nodes()).allSatisfy(n -> assertThat(n.tasks().taskCount()).isZero());
    }

    @Test
    void usersAreServedInTurnsSoOneUsersManyResDoNotStarveAnothersOne() throws Exception {
        String bob = "tfqbob";
        Host.ensureUser(bob);
        LocalCluster c = cluster(2, 2);
        Sh mine = sh(c);
        Sh theirs = closeLater(Sh.connect(c.address(), bob));
        String holder = mine.newSession();
        mine.echo("/" + holder + "/ctl", "res 4");

        // Five of mine wait, then one of bob's.
        List<String> many = new ArrayList<>();
        List<CompletableFuture<Void>> manyRes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String s = mine.newSession();
            many.add(s);
            manyRes.add(waiting(mine, s, "res 2"));
            int queued = i + 1;
            await().atMost(Sh.WAIT).until(() -> pendingLines(mine), l -> l.size() == queued);
        }
        String one = theirs.newSession();
        CompletableFuture<Void> oneRes = waiting(theirs, one, "res 2");
        await().atMost(Sh.WAIT).until(() -> pendingLines(mine), l -> l.size() == 6);
        // Listed in the order they will be served: bob's comes second, not sixth.
        assertThat(pendingLines(mine)).extracting(l -> l.split(" ")[2])
                .containsExactly(ADMIN, bob, ADMIN, ADMIN, ADMIN, ADMIN);
        assertThat(pendingLines(mine).get(1)).startsWith("pending " + one + " " + bob + " 2 ");

        // Four slots free: my first and bob's one have them; my other four wait on.
        mine.echo("/" + holder + "/ctl", "release");
        Sh.get(oneRes, Sh.WAIT);
        Sh.get(manyRes.get(0), Sh.WAIT);
        assertThat(theirs.lines("/" + one + "/ns")).hasSize(2);
        assertThat(manyRes.subList(1, 5)).allMatch(f -> !f.isDone());
        assertThat(pendingLines(mine)).hasSize(4);

        // Each release lets the next of mine in, in order.
        theirs.echo("/" + one + "/ctl", "release");
        Sh.get(manyRes.get(1), Sh.WAIT);
        mine.echo("/" + many.get(0) + "/ctl", "release");
        Sh.get(manyRes.get(2), Sh.WAIT);
        assertThat(manyRes.subList(3, 5)).allMatch(f -> !f.isDone());
        for (String s : many.subList(1, 5)) {
            mine.echo("/" + s + "/ctl", "release");
        }
        Sh.get(CompletableFuture.allOf(manyRes.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null), Sh.WAIT);
    }

    @Test
    void anExecThatReservesWaitsToo() throws Exception {
        LocalCluster c = cluster(1, 1);
        Sh sh = sh(c);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 1");
        String s = sh.newSession();
        CompletableFuture<Void> exec = waiting(sh, s, "exec echo at last");
        await().atMost(Sh.WAIT).until(() -> sh.lines("/" + s + "/status"),
                l -> l.size() == 1 && l.get(0).matches("cmd/0 \\d+ Pending '' 'exec echo at last'"));
        sh.echo("/" + holder + "/ctl", "release");
        Sh.get(exec, Sh.WAIT);
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("at last\n");
    }

    /** A node queues its own users' res the same way; the coordinator above it asks with wait=0 and never waits there. */
    @Test
    void aNodeQueuesItsDirectUsersAndTheCoordinatorDoesNotWaitOnIt() throws Exception {
        NodeDaemon node = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(2)));
        Sh direct = sh(node.address());
        String holder = direct.newSession();
        direct.echo("/" + holder + "/ctl", "res 2");
        String s = direct.newSession();
        CompletableFuture<Void> res = waiting(direct, s, "res 1");
        await().atMost(Sh.WAIT).until(() -> direct.lines("/ns"), l -> l.size() == 2
                && l.get(0).startsWith("mount ") && l.get(1).startsWith("pending " + s + " " + ADMIN + " 1 "));
        assertThat(direct.lines("/" + s + "/status")).singleElement().asString().contains(" Pending ");
        // Asked as a coordinator asks, it is refused at once: a waiting res is not overtaken.
        String quick = direct.newSession();
        assertThat(direct.echoFails("/" + quick + "/ctl", "res 1 wait=0"))
                .startsWith("res: not enough capacity: asked 1, 0 free slots and 1 reservation waiting ahead");
        direct.echo("/" + holder + "/ctl", "release");
        Sh.get(res, Sh.WAIT);
        assertThat(direct.lines("/" + s + "/ns")).hasSize(1);
    }
}
