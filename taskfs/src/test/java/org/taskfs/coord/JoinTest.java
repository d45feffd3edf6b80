package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Ports;
import org.taskfs.task.Security;

/**
 * {@code taskfs node --join}: node daemons, each a process of its own, that ask a running coordinator to mount
 * them, wait for one that is not up yet, join again when it restarts, leave when they stop, and give up, with
 * the coordinator's words, when it refuses them.
 */
class JoinTest extends ClusterTestBase {
    private static final Duration JOINED = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Coordinator coordinator(DialAddress at) {
        return closeLater(Coordinator.start(Coordinator.Config.defaults(at)));
    }

    private NodeProcess joining(DialAddress coordinator, String name, String... more) throws Exception {
        List<String> options = new java.util.ArrayList<>(List.of("--join", coordinator.toString(), "--name", name));
        options.addAll(List.of(more));
        return closeLater(NodeProcess.start(2, options.toArray(new String[0])));
    }

    /** The root ns line of member {@code name}, or null while there is none. */
    private static String member(Sh sh, String name) throws Exception {
        for (String l : sh.lines("/ns")) {
            if (l.split(" ")[2].equals(name)) {
                return l;
            }
        }
        return null;
    }

    @Test
    void nodesJoinACoordinatorWithNoMembersAndRunItsTasks() throws Exception {
        Coordinator c = coordinator(LOOPBACK);
        Sh sh = sh(c.address());
        assertThat(sh.cat("/ns")).isEmpty();
        assertThat(sh.cat("/status")).isEmpty();

        NodeProcess j1 = joining(c.address(), "j1");
        NodeProcess j2 = joining(c.address(), "j2");
        await().atMost(JOINED).untilAsserted(() -> assertThat(sh.lines("/ns")).containsExactlyInAnyOrder(
                "mount " + j1.address() + " j1 slots=2 busy=0 state=up",
                "mount " + j2.address() + " j2 slots=2 busy=0 state=up"));
        assertThat(sh.cat("/status")).isEqualTo("4 " + org.taskfs.task.HostInfo.LOCAL + "\n");
        assertThat(j1.stderr()).contains("taskfs node: joined the coordinator at " + c.address() + " as j1")
                .doesNotContain("does not answer");

        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        assertThat(sh.lines("/" + s + "/ns")).extracting(l -> l.split(" ")[1].replaceAll("!/\\d+/\\d+$", ""))
                .containsOnly(j1.address().toString(), j2.address().toString())
                .contains(j1.address().toString(), j2.address().toString());
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo $TASKFS_INDEX'");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("0\n1\n2\n3\n");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(4).allMatch(l -> l.endsWith(" ''"));
    }

    @Test
    void aNodeStartedBeforeItsCoordinatorJoinsOnceItComesUpAndAgainWhenItRestarts() throws Exception {
        DialAddress at = DialAddress.tcp("127.0.0.1", Ports.unusedBelowEphemeralRange());
        NodeProcess early = joining(at, "early");
        await().atMost(JOINED).until(() -> early.stderr().contains(
                "taskfs node: the coordinator at " + at + " does not answer ("));
        // Waiting, not given up.
        assertThat(early.isAlive()).isTrue();

        Coordinator first = Coordinator.start(Coordinator.Config.defaults(at));
        try {
            Sh sh = Sh.connect(at);
            try {
                await().atMost(JOINED).untilAsserted(() -> assertThat(member(sh, "early")).isEqualTo(
                        "mount " + early.address() + " early slots=2 busy=0 state=up"));
            } finally {
                sh.close();
            }
        } finally {
            first.close();
        }
        // Said once for the whole wait, however many tries it took.
        assertThat(count(early.stderr(), "does not answer")).isEqualTo(1);

        // The coordinator restarts knowing no members: the node sees its connection close and joins again.
        Coordinator second = coordinator(at);
        Sh sh = sh(second.address());
        await().atMost(JOINED).untilAsserted(() -> assertThat(member(sh, "early")).isEqualTo(
                "mount " + early.address() + " early slots=2 busy=0 state=up"));
        // The pool lists it once it is mounted; the node says so when the answer to its mount reaches it.
        await().atMost(JOINED).untilAsserted(() -> assertThat(count(early.stderr(), "joined the coordinator at " + at
                + " as early")).isEqualTo(2));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "exec echo back");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("back\n");
    }

    @Test
    void aNodeThatStopsLeavesThePool() throws Exception {
        Coordinator c = coordinator(LOOPBACK);
        Sh sh = sh(c.address());
        NodeProcess stays = joining(c.address(), "stays");
        NodeProcess leaves = joining(c.address(), "leaves");
        // Joined: mounted and answered (a member is listed from the moment its mount begins).
        await().atMost(JOINED).until(() -> sh.lines("/ns").size() == 2
                && sh.lines("/ns").stream().allMatch(l -> l.endsWith("state=up"))
                && leaves.stderr().contains("joined the coordinator"));

        leaves.close(); // SIGTERM, as systemctl stop sends; returns once it has exited
        assertThat(leaves.stderr()).contains("taskfs node: left the coordinator at " + c.address());
        // Gone from the pool (it left before it exited), not a member that is down and dialled again.
        assertThat(sh.lines("/ns")).singleElement().asString().contains(" stays ").endsWith(" state=up");
        assertThat(stays.isAlive()).isTrue();
    }

    @Test
    void aDrainedNodeThatStopsStaysInThePoolAndComesBackDrained() throws Exception {
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withPool(new Pool.Settings(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMillis(200),
                        Duration.ofSeconds(60)))));
        Sh sh = sh(c.address());
        NodeProcess before = joining(c.address(), "maint");
        await().atMost(JOINED).until(() -> member(sh, "maint") != null && member(sh, "maint").endsWith("state=up")
                && before.stderr().contains("joined the coordinator"));
        admin(c.address()).echo("/ctl", "drain maint 'bios update'");

        before.close();
        assertThat(before.stderr()).contains("taskfs node: drained on the coordinator at " + c.address()
                + ": staying in its pool, drained, until undrain maint").doesNotContain("left the coordinator");
        await().atMost(JOINED).untilAsserted(() -> assertThat(member(sh, "maint")).isNotNull().matches(
                Pattern.quote("mount " + before.address() + " maint ")
                        + "slots=\\d+ busy=0 state=down reason='bios update'"));

        // Back where it was: listed already, so it joins without a mount, and the pool dials it again, drained.
        NodeProcess after = closeLater(NodeProcess.startAt(before.address(), 2, "--join", c.address().toString(),
                "--name", "maint"));
        await().atMost(JOINED).untilAsserted(() -> assertThat(member(sh, "maint")).isEqualTo(
                "mount " + after.address() + " maint slots=2 busy=0 state=draining reason='bios update'"));
        assertThat(after.stderr()).contains("joined the coordinator at " + c.address() + " as maint");
        assertThat(sh.cat("/status")).isEmpty();
        admin(c.address()).echo("/ctl", "undrain maint");
        sh.echo("/" + sh.newSession() + "/ctl", "res 2");
    }

    @Test
    void aJoinWithTheWrongKeyIsRefusedWithTheCoordinatorsWords() throws Exception {
        Path right = key("right.key");
        Path wrong = key("wrong.key");
        Coordinator c = closeLater(Coordinator.start(Coordinator.Config.defaults(LOOPBACK)
                .withSecurity(new Security(new AuthMethod.Key(right), null))));
        Sh sh = sh(c.address());

        // With the key, a node joins and the coordinator, proving itself the same way, mounts it.
        NodeProcess keyed = joining(c.address(), "keyed", "--auth", "key=" + right);
        await().atMost(JOINED).until(() -> member(sh, "keyed") != null && member(sh, "keyed").endsWith("state=up"));

        NodeProcess stranger = joining(c.address(), "stranger", "--auth", "key=" + wrong);
        assertThat(stranger.exitCode(JOINED)).isEqualTo(1);
        assertThat(stranger.stderr()).contains("taskfs node: the coordinator at " + c.address()
                + " refused to mount this node: authentication failed: wrong key");
        assertThat(stranger.stderr()).doesNotContain("does not answer");
        assertThat(sh.lines("/ns")).singleElement().asString().contains(" keyed ");
        assertThat(keyed.isAlive()).isTrue();
    }

    @Test
    void aJoinUnderANameTakenIsRefusedWithTheCoordinatorsWords() throws Exception {
        Coordinator c = coordinator(LOOPBACK);
        Sh sh = sh(c.address());
        NodeProcess first = joining(c.address(), "same");
        await().atMost(JOINED).until(() -> member(sh, "same") != null && member(sh, "same").endsWith("state=up"));

        NodeProcess second = joining(c.address(), "same");
        assertThat(second.exitCode(JOINED)).isEqualTo(1);
        assertThat(second.stderr()).contains("taskfs node: the coordinator at " + c.address()
                + " refused to mount this node: mount: the name same is taken by " + first.address());
        assertThat(sh.lines("/ns")).containsExactly("mount " + first.address() + " same slots=2 busy=0 state=up");
    }

    @Test
    void resNeverPlacesOnADrainedJoinedNodeUntilItIsUndrained() throws Exception {
        Coordinator c = coordinator(LOOPBACK);
        Sh sh = sh(c.address());
        Sh admin = admin(c.address());
        NodeProcess a = joining(c.address(), "a");
        NodeProcess b = joining(c.address(), "b");
        await().atMost(JOINED).until(() -> sh.lines("/ns").size() == 2
                && sh.lines("/ns").stream().allMatch(l -> l.endsWith("state=up")));

        admin.echo("/ctl", "drain a 'kernel upgrade'");
        assertThat(member(sh, "a")).isEqualTo("mount " + a.address()
                + " a slots=2 busy=0 state=draining reason='kernel upgrade'");
        assertThat(sh.cat("/status")).isEqualTo("2 " + org.taskfs.task.HostInfo.LOCAL + "\n");
        // Many small reservations, each free to pick either member: none lands on the drained one.
        for (int i = 0; i < 6; i++) {
            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 1");
            assertThat(sh.cat("/" + s + "/ns")).startsWith("bind " + b.address() + "!/");
            sh.echo("/" + s + "/ctl", "release");
        }
        String s = sh.newSession();
        assertThat(sh.echoFails("/" + s + "/ctl", "res 3"))
                .startsWith("res: not enough capacity: asked 3, 2 slots in the pool");

        admin.echo("/ctl", "undrain a");
        assertThat(member(sh, "a")).isEqualTo("mount " + a.address() + " a slots=2 busy=0 state=up");
        assertThat(sh.cat("/status")).isEqualTo("4 " + org.taskfs.task.HostInfo.LOCAL + "\n");
        sh.echo("/" + s + "/ctl", "res 4");
        assertThat(sh.lines("/" + s + "/ns")).filteredOn(l -> l.startsWith("bind " + a.address() + "!/")).hasSize(2);
    }

    private Path key(String name) throws Exception {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        Path f = dir.resolve(name);
        Files.writeString(f, Base64.getEncoder().encodeToString(k) + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }


    private static int count(String text, String what) {
        return (int) Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }
}
