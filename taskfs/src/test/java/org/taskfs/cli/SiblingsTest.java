package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;

/**
 * A task reaches its siblings by path (DESIGN §3.6): {@code taskfs} is on its PATH as its own user, TASKFS_ADDR
 * dials back to the coordinator even when that listens on every interface, and under {@code up --mount}
 * TASKFS_MNT is its session's directory in the mount. Real node daemons running as root, tasks of a real user.
 */
class SiblingsTest {
    static final String USER = "tfsibling";

    /** Task 0 says something; task 1 reads task 0's output with {@code READ}, a command of the task's shell. */
    private static String pair(String read) {
        return "exec sh -c 'if [ \"$TASKFS_INDEX\" = 0 ]; then echo from task 0; else " + read + "; fi'";
    }

    @BeforeAll
    static void user() {
        Host.assumeRoot();
        Host.ensureUser(USER);
    }

    @Test
    void aTaskOfAnotherUserRunsTaskfsFromItsPathAndReadsItsSiblingThroughTheCoordinator() throws Exception {
        Path bin;
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 1);
             Sh sh = Sh.connect(cluster.address(), USER)) {
            String s = "/" + sh.newSession();
            sh.echo(s + "/ctl", "res 2");
            sh.echo(s + "/ctl", pair("id -un; command -v taskfs; echo $TASKFS_AUTH; "
                    + "taskfs cat $TASKFS_SESSION/0/stdout"));
            List<String> out = sh.lines(s + "/1/stdout");
            assertThat(out).as("task 1: who it is, where taskfs is, its auth, then task 0's output "
                    + "(stderr: %s)", sh.cat(s + "/1/stderr")).hasSize(4);
            assertThat(out.get(0)).isEqualTo(USER);
            assertThat(out.get(1)).endsWith("/taskfs");
            assertThat(out.get(2)).isEqualTo("none");
            assertThat(out.get(3)).isEqualTo("from task 0");
            bin = Path.of(out.get(1)).getParent();
            assertThat(cluster.nodes().stream().map(n -> n.tasks().siblings().bin())).contains(bin);
            assertThat(bin).isDirectory();
        }
        assertThat(bin).as("the node's taskfs directory, once the node stopped").doesNotExist();
    }

    @Test
    void aCoordinatorOnEveryInterfaceGivesItsTasksAnAddressTheyDial() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("0.0.0.0", 0), 1, 0, 1);
             Sh sh = Sh.connect(DialAddress.tcp("127.0.0.1", cluster.address().port()), USER)) {
            String s = "/" + sh.newSession();
            sh.echo(s + "/ctl", "res 1");
            sh.echo(s + "/ctl", "exec sh -c 'echo $TASKFS_ADDR; taskfs ls /'");
            List<String> out = sh.lines(s + "/0/stdout");
            assertThat(out).as("stderr: %s", sh.cat(s + "/0/stderr")).isNotEmpty();
            assertThat(out.get(0)).as("TASKFS_ADDR").doesNotContain("0.0.0.0")
                    .endsWith("!" + cluster.address().port());
            assertThat(out.subList(1, out.size())).as("taskfs ls / through it").contains("clone", "ctl", "status");
        }
    }

    @Test
    void underUpMountATaskReadsItsSiblingThroughTaskfsMnt() throws Exception {
        Path dir = Files.createTempDirectory("taskfs-siblings-mnt-");
        try (TaskfsProcess up = TaskfsProcess.start("up", "--listen", "tcp!127.0.0.1!0", "--nodes", "2",
                "--node-port", "0", "--slots", "1", "--mount", dir.toString())) {
            Matcher m = up.await(Pattern.compile("coordinator on (\\S+) with"), Duration.ofSeconds(60));
            up.await(Pattern.compile("mounted on"), Duration.ofSeconds(60));
            try (Sh sh = Sh.connect(DialAddress.parse(m.group(1), 0))) {
                String s = "/" + sh.newSession();
                sh.echo(s + "/ctl", "res 2");
                sh.echo(s + "/ctl", pair("echo $TASKFS_MNT; cat $TASKFS_MNT/0/stdout"));
                List<String> out = sh.lines(s + "/1/stdout");
                assertThat(out).as("stderr: %s", sh.cat(s + "/1/stderr"))
                        .containsExactly(dir.toRealPath().resolve(s.substring(1)).toString(), "from task 0");
            }
        } finally {
            await().atMost(Duration.ofSeconds(30)).until(() -> !mounted(dir));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aNodeWithMountGivesEachUsersTasksTheirOwnViewOfTheCoordinatorInTaskfsMnt() throws Exception {
        Path dir = Files.createTempDirectory("taskfs-siblings-node-mnt-");
        try (TaskfsProcess node = TaskfsProcess.start("node", "--listen", "tcp!127.0.0.1!0", "--slots", "2",
                "--mount", dir.toString())) {
            Matcher serving = node.await(Pattern.compile("serving on (\\S+) with"), Duration.ofSeconds(60));
            DialAddress nodeAt = DialAddress.parse(serving.group(1), 0);
            Coordinator.Config config = Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                    .withMembers(List.of(new Coordinator.MemberSpec(nodeAt, "n")));
            try (Coordinator coordinator = Coordinator.start(config);
                 Sh root = Sh.connect(coordinator.address());
                 Sh sh = Sh.connect(coordinator.address(), USER)) {
                String theirs = root.newSession(); // root's: not in the user's view
                String s = "/" + sh.newSession();
                sh.echo(s + "/ctl", "res 2");
                sh.echo(s + "/ctl", pair("id -un; echo $TASKFS_MNT; cat $TASKFS_MNT/0/stdout; ls $TASKFS_MNT/.."));
                List<String> out = sh.lines(s + "/1/stdout");
                assertThat(out).as("stderr: %s; node: %s", sh.cat(s + "/1/stderr"), node.output())
                        .hasSizeGreaterThan(3);
                assertThat(out.subList(0, 3))
                        .containsExactly(USER, dir.toRealPath().resolve(s.substring(1)).toString(), "from task 0");
                assertThat(out.subList(3, out.size())).as("the mount's root as the user sees it")
                        .contains("clone", s.substring(1)).doesNotContain(theirs);
            }
        } finally {
            await().atMost(Duration.ofSeconds(30)).until(() -> !mounted(dir));
            Files.deleteIfExists(dir);
        }
    }

    private static boolean mounted(Path dir) throws Exception {
        String canonical = dir.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(canonical));
    }
}
