package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.Sh;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * A node daemon's output spool: where the logs are and whose they are, the output limit, and a spool that
 * fills up. A real node running as root, real users, a real (small) file system.
 */
class NodeSpoolTest {
    static final String USER = "tfspool";

    @TempDir
    Path scratch;

    @TempDir
    Path spool;

    private NodeDaemon node;
    private Sh sh;

    @BeforeAll
    static void user() {
        Host.assumeRoot();
        Host.ensureUser(USER);
    }

    @AfterEach
    void stop() throws Exception {
        if (sh != null) {
            sh.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private Sh start(NodeDaemon.Config config, String user) throws Exception {
        node = NodeDaemon.start(config);
        sh = Sh.connect(node.address(), user);
        return sh;
    }

    private NodeDaemon.Config config() {
        return NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0)).withSlots(2).withScratch(scratch);
    }

    private static List<Path> files(Path under) throws IOException {
        try (Stream<Path> all = Files.walk(under)) {
            return all.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String waitMessage(String line) {
        List<String> f = PlanNineQuoting.tokenize(line);
        return f.get(f.size() - 1);
    }

    @Test
    void logsAreInTheSpoolOwnedByTheTasksUserOutsideItsWorkingDirectoryAndGoWithTheTask() throws Exception {
        Sh user = start(config().withSpool(spool), USER);
        String s = user.newSession();
        user.echo("/" + s + "/ctl", "res 1");
        user.echo("/" + s + "/ctl", "exec sh -c 'echo out; echo err >&2; ls -A'");
        // The working directory holds nothing of the task's own output.
        assertThat(user.cat("/" + s + "/stdout")).isEqualTo("out\n");
        assertThat(user.cat("/" + s + "/stderr")).isEqualTo("err\n");

        Path mine = node.tasks().spool();
        assertThat(mine.getParent()).isEqualTo(spool);
        assertThat(Files.getOwner(mine).getName()).isEqualTo("root");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mine))).isEqualTo("rwx------");
        List<Path> logs = files(spool);
        // Files of the task beside every other task's, in the daemon's own 0700 directory: no directory per task.
        assertThat(logs).extracting(p -> p.getFileName().toString()).containsExactly("0.run1.stderr", "0.run1.stdout");
        assertThat(logs).extracting(Path::getParent).containsOnly(mine);
        for (Path log : logs) {
            assertThat(Files.getOwner(log).getName()).as("owner of %s", log).isEqualTo(USER);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
        }
        assertThat(Files.readString(logs.get(1))).isEqualTo("out\n");
        assertThat(files(scratch)).as("nothing of the output in the scratch tree").isEmpty();

        user.echo("/" + s + "/ctl", "release");
        await().atMost(Sh.WAIT).until(() -> logs.stream().noneMatch(Files::exists));
        node.close();
        node = null;
        assertThat(spool).isEmptyDirectory();
    }

    @Test
    void withoutASpoolFlagTheLogsAreUnderTheScratchDirectoryNotInTheWorkingDirectory() throws Exception {
        Sh root = start(config(), "root");
        String s = root.newSession();
        root.echo("/" + s + "/ctl", "res 1");
        root.echo("/" + s + "/ctl", "dir scratch"); // the task's own directory, where the logs once were
        root.echo("/" + s + "/ctl", "exec sh -c 'echo hi; ls -A'");
        assertThat(root.cat("/" + s + "/stdout")).isEqualTo("hi\n");
        assertThat(node.tasks().spool().getParent()).isEqualTo(scratch);
        assertThat(files(node.tasks().spool())).extracting(p -> p.getFileName().toString())
                .containsExactly("0.run1.stderr", "0.run1.stdout");
    }

    @Test
    void aTaskWritingPastTheOutputLimitIsKilledAndItsWaitMessageNamesTheLimit() throws Exception {
        Sh root = start(config().withOutputLimit(1 << 20), "root");
        String s = root.newSession();
        root.echo("/" + s + "/ctl", "res 1");
        root.echo("/" + s + "/ctl", "exec yes");
        String line = root.cat("/" + s + "/0/wait");
        assertThat(waitMessage(line)).isEqualTo("output limit 1048576 bytes exceeded");
        byte[] out = root.catBytes("/" + s + "/stdout"); // the output has ended too
        // Killed within a check interval of writing (some 10 MB at 1 GB/s); bounded well above that here.
        assertThat((long) out.length).isGreaterThan(1 << 20).isLessThan(64L << 20);
        assertThat(files(node.tasks().spool())).filteredOn(p -> p.toString().endsWith(".stdout"))
                .singleElement().satisfies(p -> assertThat(Files.size(p)).isEqualTo(out.length));

        // Below the limit nothing happens, and stdout and stderr count together.
        root.echo("/" + s + "/ctl", "exec sh -c 'head -c 600000 /dev/zero; head -c 600000 /dev/zero >&2'");
        assertThat(waitMessage(root.cat("/" + s + "/0/wait"))).isEqualTo("output limit 1048576 bytes exceeded");
        root.echo("/" + s + "/ctl", "exec head -c 1000000 /dev/zero");
        assertThat(waitMessage(root.cat("/" + s + "/0/wait"))).isEmpty();
        assertThat(root.catBytes("/" + s + "/stdout")).hasSize(1000000);
    }

    @Test
    void aSpoolThatFillsUpIsAnErrorInTheWaitLineNotASilentTruncation(@TempDir Path small) throws Exception {
        Host.Run mount = Host.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs",
                small.toString()));
        assertThat(mount.exit()).as("mount: %s", mount.out()).isZero();
        try {
            Sh root = start(config().withSpool(small), "root");
            String s = root.newSession();
            root.echo("/" + s + "/ctl", "res 1");
            root.echo("/" + s + "/ctl", "exec head -c 5000000 /dev/zero");
            String line = root.cat("/" + s + "/0/wait");
            assertThat(waitMessage(line)).isEqualTo("exit: 1; output incomplete: spool full (No space left on device)");
            assertThat(root.catBytes("/" + s + "/stdout").length).isLessThanOrEqualTo(1 << 20); // the whole spool

            // Room again (the task released): the next task's output is whole and its wait line clean.
            root.echo("/" + s + "/ctl", "release");
            await().atMost(Sh.WAIT).until(() -> files(small).isEmpty());
            String t = root.newSession();
            root.echo("/" + t + "/ctl", "res 1");
            root.echo("/" + t + "/ctl", "exec head -c 100000 /dev/zero");
            assertThat(waitMessage(root.cat("/" + t + "/0/wait"))).isEmpty();
            assertThat(root.catBytes("/" + t + "/stdout")).hasSize(100000);
        } finally {
            if (sh != null) {
                sh.close();
                sh = null;
            }
            if (node != null) {
                node.close();
                node = null;
            }
            Host.run(List.of("umount", small.toString()));
        }
    }
}
