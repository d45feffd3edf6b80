package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/**
 * When a task's output ends: when the last process holding it open for writing closes it, as with a pipe,
 * or when the task is killed; its wait line stays the main process's.
 */
class NodeOutputEndTest extends NodeTestBase {

    @TempDir
    Path dir;

    @Test
    void aBackgroundWriterKeepsTheOutputOpenAfterTheWaitLineUntilItCloses() throws Exception {
        String id = newTask();
        ctl(id, "dir " + dir);
        // The child writes once the test says so: no timing in the test.
        ctl(id, "exec sh -c '(while [ ! -e go ]; do sleep 0.01; done; echo late; echo late-err >&2) & echo early'");
        assertThat(waitLine(id)).endsWith(" ''\n");
        assertThat(text(id + "/status")).contains(" Done ");
        RemoteFid out = get(blocking.open(id + "/stdout", P9.OREAD));
        CompletableFuture<String> stderr = blocking.readString(id + "/stderr");
        try {
            assertThat(new String(get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("early\n");
            CompletableFuture<byte[]> more = out.read(6, 100);
            assertThat(more).isNotDone();
            assertThat(stderr).isNotDone();
            Files.createFile(dir.resolve("go"));
            assertThat(new String(get(more), StandardCharsets.UTF_8)).isEqualTo("late\n");
            assertThat(get(out.read(11, 100))).isEmpty(); // then end of file
            assertThat(get(stderr)).isEqualTo("late-err\n");
        } finally {
            out.clunk();
        }
    }

    @Test
    void aBackgroundChildThatClosedItsOutputDoesNotHoldIt() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'sleep 30 >/dev/null 2>&1 & echo x'");
        // Well before the sleep ends: it has no descriptor of the logs, so the output ends with the shell.
        assertThat(blocking.readString(id + "/stdout").get(10, TimeUnit.SECONDS)).isEqualTo("x\n");
        assertThat(blocking.readString(id + "/stderr").get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void killEndsTheOutputThoughABackgroundWriterOutsideTheProcessGroupStillRuns() throws Exception {
        String id = newTask();
        // setsid: the writer leaves the process group, so the TERM of kill does not reach it.
        ctl(id, "exec sh -c 'setsid sh -c \"while :; do echo tick; sleep 0.05; done\" & echo $!; exec sleep 1000'");
        int writer = firstLinePid(id);
        CompletableFuture<String> stdout = blocking.readString(id + "/stdout");
        try {
            ctl(id, "kill");
            assertThat(waitLine(id)).endsWith(" killed\n");
            assertThat(get(stdout)).startsWith(writer + "\n");
            assertThat(ProcessHandle.of(writer).map(ProcessHandle::isAlive)).as("the writer").contains(true);
        } finally {
            ProcessHandle.of(writer).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void killNineEndsTheOutputAndEveryWriter() throws Exception {
        String id = newTask();
        // The writer prints its own pid before its first tick, so the first line is always the pid.
        ctl(id, "exec sh -c 'sh -c ''echo $$; while :; do echo tick; sleep 0.05; done'' & exec sleep 1000'");
        int writer = firstLinePid(id);
        CompletableFuture<String> stdout = blocking.readString(id + "/stdout");
        ctl(id, "kill 9");
        assertThat(waitLine(id)).endsWith(" killed\n");
        assertThat(get(stdout)).startsWith(writer + "\n");
        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> ProcessHandle.of(writer).isEmpty()
                || !ProcessHandle.of(writer).get().isAlive());
    }

    @Test
    void releaseEndsTheOutputOfAFinishedTasksBackgroundWriter() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c '(while :; do echo tick; sleep 0.05; done) & echo started'");
        assertThat(waitLine(id)).endsWith(" ''\n");
        CompletableFuture<String> stdout = blocking.readString(id + "/stdout");
        assertThat(stdout).isNotDone();
        ctl(id, "release");
        assertThat(get(stdout)).contains("started\n");
    }
}
