package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.util.PlanNineQuoting;

/** status (a line per leaf, in task order) and wait (a line per leaf as it ends, then EOF). */
class StatusWaitTest extends ClusterTestBase {

    @Test
    void statusHasOneLinePerTaskInTaskOrder() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        List<String> lines = sh.lines("/" + s + "/status");
        assertThat(lines).hasSize(4);
        for (int t = 0; t < 4; t++) {
            assertThat(sh.lines("/" + s + "/" + t + "/status")).containsExactly(lines.get(t));
        }
        // Task 2 alone runs something: its line, and only its line, says so.
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/2/ctl", "exec " + sleep);
        List<String> after = sh.lines("/" + s + "/status");
        for (int t = 0; t < 4; t++) {
            List<String> f = PlanNineQuoting.tokenize(after.get(t));
            assertThat(f).hasSize(5);
            assertThat(f.get(0)).matches("cmd/\\d+");
            assertThat(f.get(2)).isEqualTo(t == 2 ? "Execute" : "Closed");
            assertThat(f.get(4)).isEqualTo(t == 2 ? "sleep" : "");
        }
        sh.echo("/" + s + "/2/ctl", "kill");
    }

    @Test
    void waitGivesALinePerTaskThenEof() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "exec sh -c 'sleep 0.$(((3 - TASKFS_INDEX) * 3)); [ $TASKFS_INDEX != 1 ] || exit 3'");
        // Opened while the runs go on: it waits for them to end.
        CompletableFuture<String> early = sh.catLater("/" + s + "/wait");
        CompletableFuture<String> leafEarly = sh.catLater("/" + s + "/1/wait");
        List<String> lines = Sh.split(Sh.get(early));
        assertThat(lines).hasSize(3);
        for (String l : lines) {
            List<String> f = PlanNineQuoting.tokenize(l);
            assertThat(f).as(l).hasSize(6);
            assertThat(f.get(1)).matches("[1-9]\\d*");
            assertThat(f.subList(2, 5)).allMatch(n -> n.matches("\\d+"));
            assertThat(f.get(5)).isEqualTo(f.get(0).equals("1") ? "exit: 3" : "");
        }
        assertThat(lines).extracting(l -> l.split(" ")[0]).containsExactlyInAnyOrder("0", "1", "2");
        // The ones that end first come first.
        assertThat(lines.get(0)).startsWith("2 ");
        assertThat(lines.get(1)).endsWith(" 'exit: 3'");

        // A leaf's own wait: devcmd's line, without a path.
        String leaf = Sh.get(leafEarly);
        assertThat(leaf).matches("[1-9]\\d* \\d+ \\d+ \\d+ 'exit: 3'\n");
        assertThat(sh.cat("/" + s + "/1/wait")).isEqualTo(leaf);
        assertThat(lines.get(1)).isEqualTo("1 " + leaf.strip());
        // Read again later: the same lines at once (in task order, the ends being long past).
        assertThat(sh.lines("/" + s + "/wait")).containsExactly(lines.get(2), lines.get(1), lines.get(0));
        assertThat(sh.lines("/" + s + "/status")).extracting(l -> l.split(" ")[2]).containsOnly("Done");
    }

    @Test
    void waitEndingDoesNotCutTheOutputShort() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        // Much output, written fast, then exit: the wait line is in before all the output has been
        // copied to the coordinator, and readers must still get all of it.
        sh.echo("/" + s + "/ctl", "exec head -c 8000000 /dev/zero");
        // Readers that keep up with the output as it is copied to the coordinator.
        List<CompletableFuture<byte[]>> following = new java.util.ArrayList<>();
        for (String f : List.of("stdout", "0/stdout", "1/stdout")) {
            following.add(sh.blocking.readAll("/" + s + "/" + f));
        }
        assertThat(sh.lines("/" + s + "/wait")).hasSize(2);
        assertThat(Sh.get(following.get(0))).hasSize(16_000_000);
        assertThat(Sh.get(following.get(1))).hasSize(8_000_000);
        assertThat(Sh.get(following.get(2))).hasSize(8_000_000);
        assertThat(sh.catBytes("/" + s + "/stdout")).hasSize(16_000_000);
        sh.echo("/" + s + "/ctl", "output lines");
        assertThat(sh.catBytes("/" + s + "/stdout")).hasSize(16_000_002); // each unfinished last line ends
    }

    @Test
    void aTaskThatFillsTheCoordinatorsDiskAndThenGoesQuietIsStoppedAtOnce(@TempDir Path dir) throws Exception {
        // The copy fails on its last chunk, and nothing more will come to notice it by: the task is stopped then,
        // not when it next prints (never) or ends (in ten minutes).
        String wait = onAFullDisk(dir, "sh -c 'head -c 400000 /dev/zero; exec sleep 600'", 400_000);
        assertThat(wait).startsWith("killed; output incomplete: stdout: cannot keep it here after ")
                .contains("No space left on device");
    }

    @Test
    void outputTheCoordinatorCannotKeepIsToldInTheWaitLine(@TempDir Path dir) throws Exception {
        String wait = onAFullDisk(dir, "head -c 1000000 /dev/zero", 1_000_000);
        assertThat(wait).startsWith("output incomplete: stdout: cannot keep it here after ")
                .contains("No space left on device");
    }

    /**
     * Runs {@code command}, which prints {@code printed} bytes, with the coordinator's copies on a filesystem too
     * small for them, so the disk fills as the output comes; the message of its wait line. What was kept is
     * there, and the reader is not left waiting for the rest.
     */
    private String onAFullDisk(Path dir, String command, int printed) throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small.toString())
                .inheritIO().start();
        assertThat(mount.waitFor()).as("mount a 256 KiB tmpfs").isZero();
        try {
            LocalCluster c = cluster(Coordinator.Config.defaults(LOOPBACK).withScratch(small), 1, 2);
            Sh sh = sh(c);
            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 1");
            sh.echo("/" + s + "/ctl", "exec " + command);
            String wait = sh.cat("/" + s + "/wait");
            assertThat(sh.catBytes("/" + s + "/stdout").length).isPositive().isLessThan(printed);
            sh.echo("/" + s + "/ctl", "release");
            return PlanNineQuoting.tokenize(wait.strip()).get(5);
        } finally {
            closeResources();
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }
}
