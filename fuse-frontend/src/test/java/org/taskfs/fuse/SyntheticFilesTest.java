package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.server.StyxServer;

/** What the wire sees of synthetic files used through the mount: writes, blocked reads, flushes. */
class SyntheticFilesTest extends MountTestBase {
    ProbeServer probe;
    StyxServer server;
    FuseMount mount;
    Path mnt;

    @BeforeEach
    void mountProbe() throws Exception {
        probe = new ProbeServer(System.getProperty("user.name"));
        server = serve(probe);
        mount = mount(server.address());
        mnt = mount.dir();
    }

    @Test
    void oneWriteIsOneTwrite() throws Exception {
        Run r = sh(mnt, "dd if=/dev/zero of=ctl bs=20000 count=1 2>/dev/null && echo 'exec sh -c hostname' > ctl "
                + "&& printf a > ctl && printf bc >> ctl");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(probe.writes).extracting(b -> b.length).containsExactly(20000, 20, 1, 2);
        assertThat(new String(probe.writes.get(1), StandardCharsets.UTF_8)).isEqualTo("exec sh -c hostname\n");
    }

    @Test
    void filesOfLengthZeroReadWholeAndFreshEachTime() throws Exception {
        assertThat(Files.size(mnt.resolve("count"))).isZero();
        assertThat(sh(mnt, "cat count").output()).isEqualTo("opened 1\n");
        assertThat(Files.readString(mnt.resolve("count"))).isEqualTo("opened 2\n");
        assertThat(sh(mnt, "cat count; cat count").output()).isEqualTo("opened 3\nopened 4\n");
    }

    @Test
    void aBlockedReadHoldsUpNothingElse() throws Exception {
        Process blocked = start(mnt, "exec cat block");
        await().until(() -> probe.parkedReads.get() == 1);

        Run r = sh(mnt, "ls; cat count; echo go > ctl");
        assertThat(r.output()).isEqualTo("block\ncount\nctl\nopened 1\n");
        assertThat(probe.writes).hasSize(1);
        // All of that was answered while the first read was still parked, not after it gave up.
        assertThat(blocked.isAlive()).isTrue();
        assertThat(blockedReadingFd3(blocked)).isTrue();
        assertThat(probe.flushedReads.get()).isZero();
    }

    @Test
    void aSignalToABlockedReaderFlushesItsRead() throws Exception {
        Process blocked = start(mnt, "exec cat block");
        await().until(() -> probe.parkedReads.get() == 1);
        assertThat(probe.flushedReads.get()).isZero();

        int signal = signal(blocked, "INT");
        // WAIT is only a hang guard: the parked read is never answered, so only the interrupt can end it.
        assertThat(blocked.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(blocked.exitValue()).isEqualTo(128 + signal);
        assertThat(blocked.getInputStream().readAllBytes()).isEmpty();

        await().until(() -> probe.flushedReads.get() == 1); // the server saw Tflush for the parked read
        await().until(() -> mount.openHandles() == 0);       // and the fid was clunked
        assertThat(sh(mnt, "cat count").output()).isEqualTo("opened 1\n");
    }

    @Test
    void whenTheServerStaysAwayPastTheReconnectTimeoutOperationsFailWithEioAndTheMountStillUnmounts()
            throws Exception {
        mount.close();
        mount = mount(server.address(), FuseMount.Options.defaults().withReconnectTimeout(Duration.ofMillis(300)));
        mnt = mount.dir();
        Process blocked = start(mnt, "exec cat block");
        await().until(() -> probe.parkedReads.get() == 1);

        stop(server);
        assertThat(blocked.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(new String(blocked.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("Input/output error");
        Run r = sh(mnt.getParent(), "ls " + mnt + "; cat " + mnt + "/count; echo x > " + mnt + "/ctl");
        assertThat(r.output()).contains("ls: cannot access '" + mnt + "': Input/output error")
                .contains("cat: " + mnt + "/count: Input/output error")
                .contains(mnt + "/ctl: Input/output error");

        mount.close();
        assertThat(MountTable.isMounted(mnt)).isFalse();
        assertThat(mount.whenUnmounted()).isDone();
    }

    @Test
    void closingWhileAReaderIsBlockedEndsTheReadAndWaitsForTheUnmount() throws Exception {
        Process blocked = start(mnt, "exec cat block");
        await().until(() -> probe.parkedReads.get() == 1);

        mount.close(); // busy: detached lazily, the read fails with EIO, then the loop ends
        assertThat(MountTable.isMounted(mnt)).isFalse();
        assertThat(mount.whenUnmounted()).isDone();
        assertThat(blocked.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(blocked.exitValue()).isNotZero();
    }
}
