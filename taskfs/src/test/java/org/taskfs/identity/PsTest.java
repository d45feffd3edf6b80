package org.taskfs.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.task.HostInfo;
import org.taskfs.task.SessionInfo;

/**
 * {@code taskfs ps} and {@code taskfs top} as two real users and root meet them, over a coordinator with two
 * node daemons: each user sees their own session, with its tasks by state, root sees both, and the nodes'
 * {@code sessions} files tell the same of the parts the coordinator holds there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PsTest {
    static final String ALICE = "tfpsalice";
    static final String BOB = "tfpsbob";

    private LocalCluster cluster;
    private final List<Sh> shells = new ArrayList<>();
    /** Alice's: three tasks, one done, one failed, one running. */
    private String alices;
    /** Bob's: one task, done. */
    private String bobs;

    @BeforeAll
    void start() throws Exception {
        Host.assumeRoot();
        Host.ensureUser(ALICE);
        Host.ensureUser(BOB);
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 2);
        Sh alice = as(ALICE, cluster.address());
        alices = alice.newSession();
        alice.echo("/" + alices + "/ctl", "res 3");
        alice.echo("/" + alices + "/0/ctl", "exec true");
        alice.echo("/" + alices + "/1/ctl", "exec sh -c 'exit 3'");
        alice.echo("/" + alices + "/2/ctl", "exec sleep 600");
        // Each wait ends with its run: then it is counted done or failed.
        alice.cat("/" + alices + "/0/wait");
        alice.cat("/" + alices + "/1/wait");
        Sh bob = as(BOB, cluster.address());
        bobs = bob.newSession();
        bob.echo("/" + bobs + "/ctl", "res 1");
        bob.echo("/" + bobs + "/ctl", "exec true");
        bob.cat("/" + bobs + "/wait");
    }

    @AfterAll
    void stop() throws Exception {
        for (Sh s : shells) {
            s.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private Sh as(String user, DialAddress at) throws Exception {
        Sh sh = Sh.connect(at, user);
        shells.add(sh);
        return sh;
    }

    /** {@code taskfs ARGS} run as {@code user} in a process of its own; its standard output, once it exits 0. */
    private static String taskfs(String user, String... args) throws IOException, InterruptedException {
        Path err = Files.createTempFile("ps", ".err");
        try {
            Process p = Host.javaAs(user, "org.taskfs.cli.Main", args).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("taskfs %s finished", String.join(" ", args)).isTrue();
            assertThat(p.exitValue()).as("taskfs %s: %s", String.join(" ", args), Files.readString(err)).isZero();
            return out;
        } finally {
            Files.delete(err);
        }
    }

    /** The rows of a ps table, each split into its columns, after checking the header. */
    private static List<List<String>> rows(String table) {
        List<String> lines = table.lines().toList();
        assertThat(lines).isNotEmpty();
        assertThat(Arrays.asList(lines.get(0).split("\\s+"))).containsExactly(
                "SESSION", "USER", "AGE", "TASKS", "RUN", "DONE", "FAIL", "LOST", "HELD", "NODES");
        return lines.subList(1, lines.size()).stream().map(l -> Arrays.asList(l.split("\\s+"))).toList();
    }

    private String addr() {
        return cluster.address().toString();
    }

    @Test
    void eachUserSeesOnlyTheirOwnSessionWithItsOwnerAndTasksByState() throws Exception {
        List<List<String>> alice = rows(taskfs(ALICE, "ps", "-a", addr()));
        assertThat(alice).singleElement().satisfies(r -> {
            assertThat(r.subList(0, 2)).containsExactly(alices, ALICE);
            assertThat(r.get(2)).matches("\\d+s|\\d+m\\d\\ds");
            assertThat(r.subList(3, 9)).as("TASKS RUN DONE FAIL LOST HELD").containsExactly("3", "1", "1", "1", "0", "-");
            assertThat(Arrays.asList(r.get(9).split(","))).isNotEmpty().isSubsetOf("node0", "node1");
        });

        List<List<String>> bob = rows(taskfs(BOB, "ps", "-a", addr()));
        assertThat(bob).singleElement().satisfies(r -> {
            assertThat(r.subList(0, 2)).containsExactly(bobs, BOB);
            assertThat(r.subList(3, 9)).containsExactly("1", "0", "1", "0", "0", "-");
        });
    }

    @Test
    void rootSeesEverySessionAndUserNarrowsTheList() throws Exception {
        // The server before the command, as with the other client commands.
        List<List<String>> all = rows(taskfs("root", "-a", addr(), "ps"));
        assertThat(all).extracting(r -> r.get(0) + " " + r.get(1))
                .containsExactlyInAnyOrder(alices + " " + ALICE, bobs + " " + BOB);

        assertThat(rows(taskfs("root", "ps", "-a", addr(), "-u", BOB))).extracting(r -> r.get(0))
                .containsExactly(bobs);
    }

    @Test
    void theSessionsFileShowsAUserTheirOwnSessionsAlone() throws Exception {
        assertThat(SessionInfo.parse(as(ALICE, cluster.address()).cat("/sessions")))
                .extracting(SessionInfo::id).containsExactly(Integer.parseInt(alices));
        assertThat(SessionInfo.parse(as(BOB, cluster.address()).cat("/sessions")))
                .extracting(SessionInfo::id).containsExactly(Integer.parseInt(bobs));
    }

    @Test
    void aNodesSessionsFileTellsOfThePartsTheCoordinatorHoldsThere() throws Exception {
        List<SessionInfo> alicesParts = new ArrayList<>();
        List<SessionInfo> seenByBob = new ArrayList<>();
        for (NodeDaemon n : cluster.nodes()) {
            for (SessionInfo i : SessionInfo.parse(as("root", n.address()).cat("/sessions"))) {
                assertThat(i.nodes()).containsExactly("local");
                assertThat(i.held()).as("a coordinator holds its parts").isEqualTo(SessionInfo.Held.CONN);
                if (i.owner().equals(ALICE)) {
                    alicesParts.add(i);
                }
            }
            seenByBob.addAll(SessionInfo.parse(as(BOB, n.address()).cat("/sessions")));
        }
        assertThat(alicesParts.stream().mapToInt(SessionInfo::tasks).sum()).isEqualTo(3);
        assertThat(alicesParts.stream().mapToInt(SessionInfo::running).sum()).isEqualTo(1);
        assertThat(alicesParts.stream().mapToInt(SessionInfo::done).sum()).isEqualTo(1);
        assertThat(alicesParts.stream().mapToInt(SessionInfo::failed).sum()).isEqualTo(1);
        assertThat(seenByBob).singleElement().satisfies(i -> {
            assertThat(i.owner()).isEqualTo(BOB);
            assertThat(i.done()).isEqualTo(1);
        });
    }

    @Test
    void topPrintsTheFramesAskedForWithTheCensusThePoolAndTheSessions() throws Exception {
        String out = taskfs("root", "top", "-a", addr(), "-n", "2", "-d", "0.1");
        assertThat(out).as("no terminal: no escape codes").doesNotContain("\033");
        List<String> lines = out.lines().toList();
        assertThat(lines).filteredOn(l -> l.startsWith("taskfs top ")).hasSize(2);
        String[] frames = out.split("\n\n(?=taskfs top )");
        assertThat(frames).hasSize(2);
        HostInfo host = HostInfo.LOCAL;
        for (String frame : frames) {
            List<String> f = frame.lines().toList();
            assertThat(f).as(frame).anyMatch(l -> l.matches("4\\s+" + host.toString().replace(" ", "\\s+")))
                    .anyMatch(l -> l.matches("node0\\s+up\\s+\\d\\s+2\\s+\\S+"))
                    .anyMatch(l -> l.matches("node1\\s+up\\s+\\d\\s+2\\s+\\S+"))
                    .anyMatch(l -> l.matches(alices + "\\s+" + ALICE + "\\s.*"))
                    .anyMatch(l -> l.matches(bobs + "\\s+" + BOB + "\\s.*"));
        }
    }
}
