package org.taskfs.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.taskfs.node.exec.ExecTesting.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.node.exec.Native.LibC;

class StdinTest {

    @TempDir
    Path dir;

    private final Spawner spawner = new Spawner();

    @AfterEach
    void shutDown() {
        spawner.shutdown(Duration.ofSeconds(1));
    }

    private RunningProcess run(String... argv) throws SpawnException {
        return spawner.spawn(SpawnSpec.of(List.of(argv), dir, dir.resolve("out"), dir.resolve("err")));
    }

    private static final int SIGCONT = 18;

    /** The state letter of process {@code pid} in /proc, or '?' once it is gone. */
    private static char state(int pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (NoSuchFileException gone) {
            return '?';
        }
    }

    /** Writes {@code data} in chunks, each write issued when the previous one completes; then closes stdin. */
    private static CompletableFuture<Void> pump(RunningProcess p, byte[] data, int offset, int chunk) {
        if (offset >= data.length) {
            p.closeStdin();
            return CompletableFuture.completedFuture(null);
        }
        byte[] piece = java.util.Arrays.copyOfRange(data, offset, Math.min(data.length, offset + chunk));
        return p.writeStdin(piece).thenCompose(n -> pump(p, data, offset + n, chunk));
    }

    @Test
    void catEchoesFiftyMegabytesByteForByte() throws Exception {
        byte[] data = new byte[50 << 20];
        new Random(42).nextBytes(data);
        // Stopped until the test lets it go, so what is queued meanwhile is provably not yet read.
        RunningProcess cat = run("sh", "-c", "kill -STOP $$; exec cat");
        await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> state(cat.pid()) == 'T');

        CompletableFuture<Void> written = assertTimeoutPreemptively(Duration.ofSeconds(ExecTesting.TIMEOUT_S),
                () -> pump(cat, data, 0, 1 << 20));
        // The writer got its future back with the first megabyte still queued behind a full pipe.
        assertThat(cat.queuedStdinBytes()).isGreaterThan(512 << 10);
        assertThat(state(cat.pid())).isEqualTo('T');
        assertThat(cat.signal(SIGCONT)).isTrue();

        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long total = 0;
        while (true) {
            byte[] b = cat.stdout().read(total, 1 << 20).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS);
            if (b.length == 0) {
                break;
            }
            got.update(b);
            total += b.length;
        }
        written.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(ExecTesting.await(cat).success()).isTrue();
        assertThat(total).isEqualTo(data.length);
        assertThat(got.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void unreadInputNeverBlocksTheWriterAndFailsWhenTheProcessDies() throws Exception {
        RunningProcess sleeper = run("sleep", "1000");
        List<CompletableFuture<Integer>> writes = new ArrayList<>();

        // sleep never reads: a write that waited for its data to reach the process would never return.
        assertTimeoutPreemptively(Duration.ofSeconds(ExecTesting.TIMEOUT_S), () -> {
            for (int i = 0; i < 20; i++) {
                writes.add(sleeper.writeStdin(new byte[1 << 20]));
            }
        });

        // 16 MiB may wait for the process; beyond that writes fail at once, saying why. The first 16 stay
        // pending for as long as sleep lives, which it still does: nothing can complete them meanwhile.
        List<CompletableFuture<Integer>> pending = writes.subList(0, 16);
        List<CompletableFuture<Integer>> refused = writes.subList(16, 20);
        assertThat(ExecTesting.liveMembers(sleeper.pid())).containsExactly(sleeper.pid());
        assertThat(pending).allMatch(f -> !f.isDone());
        assertThat(refused).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class).withMessageContaining("is not being read"));
        assertThat(sleeper.queuedStdinBytes()).isGreaterThan(15L << 20).isLessThanOrEqualTo(16L << 20);

        sleeper.signal(LibC.SIGTERM);
        assertThat(ExecTesting.await(sleeper).waitMessage()).isEqualTo("killed");
        for (CompletableFuture<Integer> f : pending) {
            assertThat(f).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class).withMessageContaining("i/o on hungup channel");
        }
        assertThatThrownBy(() -> sleeper.writeStdin(new byte[1]).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("i/o on hungup channel");
    }

    @Test
    void closeStdinDeliversEofAfterQueuedData() throws Exception {
        RunningProcess cat = run("cat");
        cat.writeStdin("hello ".getBytes(StandardCharsets.UTF_8));
        cat.writeStdin("world".getBytes(StandardCharsets.UTF_8));
        cat.closeStdin();

        assertThat(ExecTesting.await(cat).success()).isTrue();
        assertThat(text(cat.stdout())).isEqualTo("hello world");
        assertThatThrownBy(() -> cat.writeStdin(new byte[1]).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("i/o on hungup channel");
    }

    @Test
    void writesToAProcessThatStopsReadingFail() throws Exception {
        RunningProcess head = run("head", "-c", "10");
        CompletableFuture<Integer> big = head.writeStdin(new byte[4 << 20]);

        assertThat(ExecTesting.await(head).success()).isTrue();
        assertThat(big).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(ExecutionException.class).withMessageContaining("i/o on hungup channel");
        assertThat(head.stdout().size()).isEqualTo(10);
    }

    @Test
    void writesAfterExitFail() throws Exception {
        RunningProcess t = run("true");
        ExecTesting.await(t);

        assertThatThrownBy(() -> t.writeStdin("late".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("i/o on hungup channel");
    }

    @Test
    void stdinIsKeptForDescendantsAfterTheLeaderExits() throws Exception {
        // A background job of a non-interactive shell gets /dev/null as stdin unless it is handed another fd.
        RunningProcess p = run("sh", "-c", "exec 3<&0; cat <&3 >" + dir.resolve("copy") + " 3<&- & echo leader done");
        ExecTesting.await(p);

        assertThat(p.writeStdin("for the child".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)).isEqualTo(13);
        p.closeStdin();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(dir.resolve("copy"))
                        && Files.readString(dir.resolve("copy")).equals("for the child")
                        && ExecTesting.liveMembers(p.pid()).isEmpty());
    }
}
