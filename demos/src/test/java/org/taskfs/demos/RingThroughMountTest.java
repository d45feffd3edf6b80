package org.taskfs.demos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.LocalCluster;
import org.taskfs.fuse.FuseMount;
import org.taskfs.styx.dial.DialAddress;

/**
 * A ring pipeline through the FUSE mount, with nothing but the shell: every task reads its
 * predecessor's stdout at its mounted path, the way a user's scripts would on a real cluster.
 */
class RingThroughMountTest {
    @TempDir
    Path scratch;

    @Test
    void tasksReadTheirSiblingsThroughTheMountedTree() throws Exception {
        Path mnt = Files.createDirectory(scratch.resolve("mnt"));
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 4, 0, 4);
             FuseMount mount = FuseMount.mount(cluster.address(), mnt, FuseMount.Options.defaults())) {
            String script = String.join("\n",
                    "set -eu",
                    "cd '" + mnt + "'",
                    "s=$(cat clone)",
                    "echo res 4 > $s/ctl",
                    "echo MNT=$PWD > $s/env",
                    "echo \"exec sh -c 'if [ \\$TASKFS_INDEX -eq 0 ]; then echo token; else cat "
                            + "\\$MNT\\$TASKFS_SESSION/\\$((TASKFS_INDEX-1))/stdout | sed s/\\$/-\\$TASKFS_INDEX/; fi'\" > $s/ctl",
                    "cat $s/3/stdout",
                    "cat $s/wait | wc -l",
                    "echo release > $s/ctl");
            Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes());

            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out.lines()).containsExactly("token-1-2-3", "4");
        }
    }
}
