package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/** A node daemon mounted: the task interface driven with cat and echo, as a user would. */
class NodeDaemonMountTest extends MountTestBase {
    Path mnt;

    @BeforeEach
    void mountNode() throws Exception {
        NodeDaemon node = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(4).withScratch(scratchDir())));
        mnt = mount(node.address()).dir();
    }

    /** {@code cat clone}, then {@code echo res 1 > N/ctl}: a session of one of the node's own tasks. */
    private String newTask() throws Exception {
        Run r = sh(mnt, "cat clone");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).matches("\\d+");
        Run res = sh(mnt, "echo res 1 > " + r.output() + "/ctl");
        assertThat(res.exit()).as(res.output()).isZero();
        return r.output();
    }

    @Test
    void cloneExecAndReadWhatTheTaskWrote() throws Exception {
        String n = newTask();
        assertThat(Files.isDirectory(mnt.resolve(n + "/0"))).isTrue();
        assertThat(sh(mnt, "cat " + n + "/status").output()).startsWith("cmd/").contains(" Closed ");

        // Plan 9 quoting inside the ctl message; the shell's own quotes keep it whole.
        Run exec = sh(mnt, "echo \"exec sh -c 'echo hi; echo there'\" > " + n + "/ctl && cat " + n + "/wait && cat "
                + n + "/stdout");
        assertThat(exec.exit()).as(exec.output()).isZero();
        assertThat(exec.output()).endsWith("hi\nthere\n");
        // The status file is length 0 and generated: the mount shows the new state, not a cached one.
        assertThat(sh(mnt, "cat " + n + "/status").output()).contains(" Done ");
        assertThat(sh(mnt, "ls " + n).output().lines()).contains("0", "ctl", "stdout", "status", "wait");
    }

    @Test
    void aBlockedWaitLeavesEverythingElseWorkingAndEndsWhenTheTaskDoes() throws Exception {
        String n = newTask();
        assertThat(sh(mnt, "echo exec sleep 1000 > " + n + "/ctl").exit()).isZero();
        Process waiting = start(mnt, "exec cat " + n + "/wait");

        assertThat(sh(mnt, "cat " + n + "/status").output()).contains(" Execute ");
        assertThat(sh(mnt, "ls; ls " + n + "; cat arch").exit()).isZero();
        String other = newTask();
        assertThat(sh(mnt, "echo exec echo meanwhile > " + other + "/ctl; cat " + other + "/wait; cat " + other
                + "/stdout").output()).endsWith("meanwhile\n");
        assertThat(waiting.isAlive()).isTrue();

        assertThat(sh(mnt, "echo kill > " + n + "/ctl").exit()).isZero();
        assertThat(waiting.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(new String(waiting.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isNotEmpty();
        await().until(() -> sh(mnt, "cat " + n + "/status").output().contains(" Done "));
    }

    @Test
    void ctrlCOnABlockedCatEndsTheReadWhileTheTaskRunsOn() throws Exception {
        String n = newTask();
        assertThat(sh(mnt, "echo exec sleep 1000 > " + n + "/ctl").exit()).isZero();
        Process following = start(mnt, "exec cat " + n + "/stdout");
        // The signal must find cat blocked in its read of the mount.
        await().until(() -> blockedReadingFd3(following));

        int signal = signal(following, "INT");
        // WAIT is only a hang guard: the read has no other way to end, as the task neither writes nor exits.
        assertThat(following.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(following.exitValue()).isEqualTo(128 + signal);
        assertThat(following.getInputStream().readAllBytes()).isEmpty();
        assertThat(sh(mnt, "cat " + n + "/status").output()).contains(" Execute "); // the task itself runs on
    }
}
