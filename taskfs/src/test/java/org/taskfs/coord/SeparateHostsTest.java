package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.Security;

/**
 * A coordinator and nodes on separate hosts: each node daemon runs in a network namespace of its own
 * ({@link NetHosts}), listening on that host's address with a shared key, and the coordinator, in the root
 * namespace, reaches it over a veth and a bridge. Tasks run on their host (they see its address), a host
 * whose link goes down loses its tasks after the node timeout and is used again once the link is back, and a
 * node that does not share the coordinator's key refuses it, which the coordinator reports.
 */
class SeparateHostsTest extends ClusterTestBase {
    private static final int HOSTS = 3;
    private static final int SLOTS = 2;
    /**
     * Short, so that a host cut off is given up within the test; not so short that a busy machine makes a node
     * unreachable now and then (two missed beats), nor a cold node miss its first Tversion (the request timeout).
     */
    private static final Pool.Settings TIMINGS = new Pool.Settings(Duration.ofMillis(500), Duration.ofSeconds(5),
            Duration.ofMillis(300), Duration.ofSeconds(3));

    private static NetHosts hosts;
    private static Path keys;
    private static Path key;
    private static final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeAll
    static void startHosts() throws Exception {
        Host.assumeRoot();
        keys = Files.createTempDirectory("taskfs-netns-keys");
        key = newKey("shared.key");
        hosts = NetHosts.create(HOSTS);
        // The nodes start side by side: each is a JVM.
        List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            int h = i;
            starting.add(CompletableFuture.supplyAsync(() -> node(h, 6666, key)));
        }
        try {
            for (CompletableFuture<NodeProcess> f : starting) {
                nodes.add(f.join());
            }
        } catch (CompletionException e) {
            starting.forEach(f -> f.thenAccept(SeparateHostsTest::closeQuietly));
            throw e;
        }
    }

    /** A test that took a host's link down and failed before bringing it back must not fail the ones after it. */
    @AfterEach
    void linksUp() throws Exception {
        for (int i = 0; i < hosts.size(); i++) {
            hosts.linkUp(i);
        }
    }

    @AfterAll
    static void stopHosts() throws Exception {
        nodes.forEach(SeparateHostsTest::closeQuietly);
        nodes.clear();
        if (hosts != null) {
            hosts.close();
        }
        if (keys != null) {
            try (var files = Files.list(keys)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(keys);
        }
    }

    /** A node daemon on host i: its own process in the host's namespace, on the host's address. */
    private static NodeProcess node(int i, int port, Path keyFile) {
        try {
            // A short orphan grace: the sessions a coordinator left behind with a dead connection free their
            // slots soon, so the host can be used again within the test.
            return NodeProcess.startVia(hosts.inHost(i, List.of()), DialAddress.tcp(hosts.address(i), port), SLOTS,
                    "--auth", "key=" + keyFile, "--orphan-grace", "1");
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private static Path newKey(String name) throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path f = Files.createFile(keys.resolve(name), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, Base64.getEncoder().encodeToString(secret) + "\n");
        return f;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("SeparateHostsTest: " + e);
        }
    }

    private static String name(int i) {
        return "h" + i;
    }

    /** A coordinator in the root namespace, on the bridge, with the shared key; it mounts {@code members}. */
    private Coordinator coordinator(AuthMethod auth, List<Coordinator.MemberSpec> members) {
        return coordinator(DialAddress.tcp(hosts.rootAddress(), 0), auth, members);
    }

    private Coordinator coordinator(DialAddress listen, AuthMethod auth, List<Coordinator.MemberSpec> members) {
        return closeLater(Coordinator.start(Coordinator.Config.defaults(listen)
                .withPool(TIMINGS).withSecurity(new Security(auth, null)).withMembers(members)));
    }

    private Coordinator coordinatorOfAllHosts() {
        List<Coordinator.MemberSpec> members = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            members.add(new Coordinator.MemberSpec(nodes.get(i).address(), name(i)));
        }
        return coordinator(new AuthMethod.Key(key), members);
    }

    /** A user on the root namespace's side of the bridge: not a loopback peer, so they prove themselves. */
    private Sh user(Coordinator c) throws Exception {
        return closeLater(Sh.connect(c.address(), ClientOptions.defaults().withAuth(new AuthMethod.Key(key))));
    }

    /** The host each task of session {@code s} is bound to, by its ns line {@code bind ADDR!DIR PATH}. */
    private static List<Integer> hostOfEachTask(Sh sh, String s) throws Exception {
        Map<String, Integer> byAddress = new HashMap<>();
        for (int i = 0; i < HOSTS; i++) {
            byAddress.put(nodes.get(i).address().toString(), i);
        }
        List<Integer> out = new ArrayList<>();
        for (String line : sh.lines(s + "/ns")) {
            String addr = line.split(" ")[1].replaceAll("!/\\d+/\\d+$", "");
            assertThat(byAddress).as("the node of %s", line).containsKey(addr);
            out.add(byAddress.get(addr));
        }
        return out;
    }

    /** Every host is up in the coordinator's pool (a cold node may miss the first dial and answer the next). */
    private static void awaitAllUp(Sh sh) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String ns = sh.cat("/ns");
            for (int i = 0; i < HOSTS; i++) {
                assertThat(ns).contains("mount " + nodes.get(i).address() + " " + name(i) + " slots=" + SLOTS
                        + " busy=0 state=up\n");
            }
        });
    }

    /**
     * Each node has one connection, this test's coordinator's: dialling again while a dial is under way (the
     * key exchange on a cold JVM outlasts the reconnect period) must not leave extra ones open, nor may an
     * earlier test's coordinator (those close theirs, the kernels take a moment to agree).
     */
    private static void awaitOneConnectionEach() {
        for (int i = 0; i < HOSTS; i++) {
            int h = i;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(hosts.connectionsTo(h, nodes.get(h).address().port())).as("connections to h%d", h)
                            .isEqualTo(1));
        }
    }

    private static void awaitFirstLine(Sh sh, String task, String line) throws Exception {
        RemoteFid out = Sh.get(sh.blocking.open(task + "/stdout", P9.OREAD));
        StringBuilder got = new StringBuilder();
        while (got.length() < line.length()) {
            byte[] b = Sh.get(out.read(got.length(), 100));
            assertThat(b).as("%s/stdout before its first line ended", task).isNotEmpty();
            got.append(new String(b, StandardCharsets.UTF_8));
        }
        assertThat(got.toString()).startsWith(line);
        Sh.get(out.clunk());
    }

    @Test
    void tasksRunOnTheirHostsAndTheirOutputIsGatheredExactly() throws Exception {
        Coordinator c = coordinatorOfAllHosts();
        String advertised = "tcp!" + hosts.rootAddress() + "!" + c.address().port();
        assertThat(c.advertised()).isEqualTo(advertised);
        Sh sh = user(c);
        awaitAllUp(sh);
        awaitOneConnectionEach();
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 6");
        List<Integer> where = hostOfEachTask(sh, s);
        assertThat(where).hasSize(6);
        for (int i = 0; i < HOSTS; i++) {
            assertThat(where).as("tasks per host in %s", where).filteredOn(Integer.valueOf(i)::equals).hasSize(2);
        }

        // Each task names its host's address (the namespace's eth0) and the coordinator's advertised dial
        // string, and opens a TCP connection to that from its host: the address its tasks are given is one
        // they can reach.
        String script = "set -- $(ip -4 -o addr show dev eth0); a=${4%/*}; "
                + "IFS=! read -r proto h p <<< \"$TASKFS_ADDR\"; "
                + "if exec 3<>/dev/tcp/$h/$p; then r=reached; else r=unreachable; fi; "
                + "echo \"$TASKFS_INDEX $a $TASKFS_ADDR $r\"";
        sh.echo(s + "/ctl", "exec bash -c " + PlanNineQuoting.quote(script));
        StringBuilder expected = new StringBuilder();
        for (int t = 0; t < 6; t++) {
            expected.append(t).append(' ').append(hosts.address(where.get(t))).append(' ').append(advertised)
                    .append(" reached\n");
        }
        assertThat(new String(sh.catBytes(s + "/stdio"), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(sh.cat(s + "/stderr")).isEmpty();

        List<String> waits = sh.lines(s + "/wait");
        assertThat(waits).hasSize(6);
        List<String> paths = new ArrayList<>();
        for (String w : waits) {
            List<String> f = PlanNineQuoting.tokenize(w);
            assertThat(f).as("wait line %s", w).hasSize(6);
            assertThat(f.get(5)).as("exit message of %s", w).isEmpty();
            paths.add(f.get(0));
        }
        assertThat(paths).containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5");
        assertThat(sh.lines(s + "/status")).hasSize(6).allMatch(l -> l.matches("cmd/\\d+ \\d+ Done \\S+ bash"));
        sh.echo(s + "/ctl", "release");
    }

    @Test
    void aHostWhoseLinkGoesDownLosesItsTasksAndComesBackWithIt() throws Exception {
        Coordinator c = coordinatorOfAllHosts();
        Sh sh = user(c);
        awaitAllUp(sh);
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 6");
        List<Integer> where = hostOfEachTask(sh, s);
        int cut = where.get(2);
        String sleep = uniqueSleep(5);
        sh.echo(s + "/ctl", "exec sh -c 'echo start $TASKFS_INDEX; " + sleep + "; echo end $TASKFS_INDEX'");
        CompletableFuture<String> gathered = sh.catLater(s + "/stdio");
        CompletableFuture<String> waited = sh.catLater(s + "/wait");
        for (int t = 0; t < 6; t++) {
            awaitFirstLine(sh, s + "/" + t, "start " + t + "\n");
        }
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 6);

        hosts.linkDown(cut);
        long down = System.nanoTime();
        // Silent, not closed: first only unreachable, its tasks as they were; Lost after the node timeout,
        // while the others run on.
        await().atMost(TIMINGS.nodeTimeout()).until(() -> sh.cat("/ns").contains(" " + name(cut) + " slots=" + SLOTS
                + " busy=2 state=unreachable\n"));
        assertThat(sh.lines(s + "/status")).allMatch(l -> l.contains(" Execute "));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> status = sh.lines(s + "/status");
            for (int t = 0; t < 6; t++) {
                assertThat(status.get(t)).as("task %d on h%d", t, where.get(t))
                        .contains(where.get(t) == cut ? " Lost " : " Execute ");
            }
        });
        Duration lostAfter = Duration.ofNanos(System.nanoTime() - down);
        // The silence is timed from the last beat sent, at most a heartbeat before the link went down.
        assertThat(lostAfter).isBetween(TIMINGS.nodeTimeout().minus(TIMINGS.heartbeat()),
                TIMINGS.nodeTimeout().plusSeconds(3));
        assertThat(sh.cat("/ns")).contains(" " + name(cut) + " slots=").contains("state=down");

        StringBuilder expected = new StringBuilder();
        for (int t = 0; t < 6; t++) {
            expected.append("start ").append(t).append('\n');
            if (where.get(t) != cut) {
                expected.append("end ").append(t).append('\n');
            }
        }
        assertThat(Sh.get(gathered)).isEqualTo(expected.toString());
        List<String> waits = Sh.split(Sh.get(waited));
        assertThat(waits).hasSize(6);
        for (String w : waits) {
            List<String> f = PlanNineQuoting.tokenize(w);
            int t = Integer.parseInt(f.get(0));
            if (where.get(t) == cut) {
                assertThat(w).isEqualTo(t + " 0 0 0 0 'node lost: " + name(cut)
                        + ": no answer for 3 s (the node timeout)'");
            } else {
                assertThat(f.get(5)).as("exit message of %s", w).isEmpty();
            }
        }
        for (int t = 0; t < 6; t++) {
            assertThat(sh.lines(s + "/status").get(t))
                    .matches("cmd/\\d+ \\d+ " + (where.get(t) == cut ? "Lost" : "Done") + " \\S+ sh");
        }

        hosts.linkUp(cut);
        // Dialled again and up; its old sessions, orphaned, are let go after the node's grace.
        String back = "mount " + nodes.get(cut).address() + " " + name(cut) + " slots=" + SLOTS + " busy=0 state=up\n";
        await().atMost(Duration.ofSeconds(20)).until(() -> sh.cat("/ns").contains(back));
        // Dialled once: the attempts made while it was away do not each leave a connection when it returns.
        awaitOneConnectionEach();
        String t = "/" + sh.newSession();
        sh.echo(t + "/ctl", "res 6");
        assertThat(hostOfEachTask(sh, t)).filteredOn(Integer.valueOf(cut)::equals).hasSize(2);
        sh.echo(t + "/ctl", "exec sh -c 'echo back $TASKFS_INDEX'");
        assertThat(sh.cat(t + "/stdout")).isEqualTo("back 0\nback 1\nback 2\nback 3\nback 4\nback 5\n");
        // What was lost stays lost.
        assertThat(sh.cat(s + "/2/wait")).startsWith("0 0 0 0 'node lost: " + name(cut) + ": ");
    }

    @Test
    void aNodeWithAnotherKeyRefusesTheCoordinatorAndItSaysWhy() throws Exception {
        Path other = newKey("other.key");
        NodeProcess stranger = closeLater(node(0, 6667, other));
        Coordinator c = coordinator(new AuthMethod.Key(key), List.of(
                new Coordinator.MemberSpec(nodes.get(0).address(), "friend"),
                new Coordinator.MemberSpec(stranger.address(), "stranger")));
        Sh sh = user(c);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sh.lines("/ns")).containsExactly(
                "mount " + nodes.get(0).address() + " friend slots=" + SLOTS + " busy=0 state=up",
                "mount " + stranger.address() + " stranger slots=0 busy=0 state=down"));
        String why = "authentication failed: wrong key";
        String down = "stranger (" + stranger.address() + ") is down: " + why;
        // Whoever asks for more than the others offer is told which member is missing and why.
        assertThat(sh.echoFails("/" + sh.newSession() + "/ctl", "res 3"))
                .isEqualTo("res: not enough capacity: asked 3, 2 slots in the pool (Linux amd64); " + down);
        // The admin sees it in the pool's ctl; the node is dialled again and goes on refusing, for the same reason.
        assertThat(sh.lines("/ctl")).contains("down stranger " + stranger.address() + " " + why);
        await().during(Duration.ofMillis(3 * TIMINGS.reconnect().toMillis())).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(sh.lines("/ctl")).filteredOn(l -> l.startsWith("down "))
                        .containsExactly("down stranger " + stranger.address() + " " + why));
        // What the friend offers is used as ever.
        String s = "/" + sh.newSession();
        sh.echo(s + "/ctl", "res 2");
        sh.echo(s + "/ctl", "exec hostname");
        assertThat(sh.cat(s + "/stdout")).isEqualTo((hostname() + "\n").repeat(2));

        // A coordinator without the key is refused too, and says so: a node on a network address never takes a
        // peer's word for who it is.
        Coordinator keyless = coordinator(LOOPBACK, AuthMethod.NONE, List.of(
                new Coordinator.MemberSpec(nodes.get(1).address(), "keyed")));
        Sh local = sh(keyless.address());
        assertThat(local.lines("/ns")).containsExactly("mount " + nodes.get(1).address() + " keyed slots=0 busy=0 state=down");
        assertThat(local.lines("/ctl")).filteredOn(l -> l.startsWith("down ")).singleElement().asString()
                .matches("down keyed " + java.util.regex.Pattern.quote(nodes.get(1).address().toString())
                        + " authentication required: tcp!" + java.util.regex.Pattern.quote(hosts.rootAddress())
                        + "!\\d+ is not a local peer the kernel can identify; authenticate with --auth key=FILE");
    }
}
