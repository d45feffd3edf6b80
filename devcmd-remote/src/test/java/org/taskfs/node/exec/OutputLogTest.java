package org.taskfs.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.taskfs.node.exec.ExecTesting.readToEof;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.task.OutputLog;

class OutputLogTest {

    @TempDir
    Path dir;

    private final Spawner spawner = new Spawner();

    @AfterEach
    void shutDown() {
        spawner.shutdown(Duration.ofSeconds(1));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(CompletableFuture<byte[]> f) throws Exception {
        return new String(f.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }

    @Test
    void readersAtDifferentOffsetsSeeTheSameBytes() throws Exception {
        RunningProcess p = spawner.spawn(SpawnSpec.of(List.of("seq", "1", "20000"), dir, dir.resolve("out"), dir.resolve("err")));
        String expected = IntStream.rangeClosed(1, 20000).mapToObj(i -> i + "\n").collect(Collectors.joining());

        CompletableFuture<byte[]> small = CompletableFuture.supplyAsync(() -> read(p.stdout(), 0, 7));
        CompletableFuture<byte[]> large = CompletableFuture.supplyAsync(() -> read(p.stdout(), 0, 4096));
        byte[] tail = read(p.stdout(), 1000, 333);

        assertThat(new String(small.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(new String(large.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(new String(tail, StandardCharsets.UTF_8)).isEqualTo(expected.substring(1000));
    }

    private static byte[] read(OutputLog log, long offset, int chunk) {
        try {
            return readToEof(log, offset, chunk);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void parkedReadCompletesWhenTheProcessWritesAndGetsEofAtExit() throws Exception {
        RunningProcess p = spawner.spawn(SpawnSpec.of(List.of("sh", "-c", "read x; echo \"$x\"; read y; exit 0"), dir,
                dir.resolve("out"), dir.resolve("err")));
        CompletableFuture<byte[]> first = p.stdout().read(0, 100);
        assertThat(first).isNotDone();

        p.writeStdin(bytes("ping\n"));
        assertThat(str(first)).isEqualTo("ping\n");

        CompletableFuture<byte[]> next = p.stdout().read(5, 100);
        CompletableFuture<byte[]> other = p.stdout().read(5, 100);
        assertThat(next).isNotDone();
        p.closeStdin();
        assertThat(next.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
        assertThat(other.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
        assertThat(p.isAlive()).isFalse();
        assertThat(ExecTesting.await(p).success()).isTrue();
        assertThat(p.stdout().read(0, 100).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo(bytes("ping\n"));
    }

    @Test
    void appendedBytesWakeParkedReaders() throws Exception {
        try (OutputLog log = OutputLog.open(dir.resolve("log"))) {
            CompletableFuture<byte[]> a = log.read(0, 100);
            CompletableFuture<byte[]> b = log.read(0, 3);
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> log.parkedReads() == 2);

            log.append(bytes("hello"));

            assertThat(str(a)).isEqualTo("hello");
            assertThat(str(b)).isEqualTo("hel");
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> log.parkedReads() == 0);
        }
    }

    @Test
    void cancelledParkedReadIsDropped() throws Exception {
        try (OutputLog log = OutputLog.open(dir.resolve("log"))) {
            CompletableFuture<byte[]> flushed = log.read(0, 100);
            CompletableFuture<byte[]> kept = log.read(0, 100);
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> log.parkedReads() == 2);

            flushed.cancel(false);
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> log.parkedReads() == 1);

            log.append(bytes("data"));
            assertThat(str(kept)).isEqualTo("data");
            assertThat(flushed).isCancelled();
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> log.parkedReads() == 0);
        }
    }

    @Test
    void completionAnswersEofOnlyAtTheEnd() throws Exception {
        try (OutputLog log = OutputLog.open(dir.resolve("log"))) {
            log.append(bytes("abc"));
            CompletableFuture<byte[]> atEnd = log.read(3, 10);
            assertThat(atEnd).isNotDone();

            log.markComplete();

            assertThat(atEnd.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
            assertThat(log.read(1, 10).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo(bytes("bc"));
            assertThat(log.read(3, 10).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
            assertThat(log.read(99, 10).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void closingReleasesParkedReadersWithEof() throws Exception {
        OutputLog log = OutputLog.open(dir.resolve("log"));
        CompletableFuture<byte[]> parked = log.read(0, 10);

        log.close();

        assertThat(parked.get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
        assertThat(log.read(0, 10).get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS)).isEmpty();
        assertThat(dir.resolve("log")).as("nothing was appended: no file was needed").doesNotExist();
    }

    @Test
    void growthByAnExternalWriterWakesReaders() throws Exception {
        assertExternalGrowthIsNoticed(OutputLog.open(dir.resolve("watched"), IoLoop.shared()));
    }

    @Test
    void growthIsNoticedByPollingWhenInotifyIsUnavailable() throws Exception {
        assertExternalGrowthIsNoticed(OutputLog.open(dir.resolve("polled"), new IoLoop(false)));
    }

    /** Bytes appended through a descriptor of someone else's, as a process does, not through {@link OutputLog#append}. */
    private static void assertExternalGrowthIsNoticed(OutputLog log) throws Exception {
        try (log) {
            CompletableFuture<byte[]> parked = log.read(0, 100);
            assertThat(parked).isNotDone();

            java.nio.file.Files.write(log.path(), bytes("grown"), java.nio.file.StandardOpenOption.APPEND);

            assertThat(str(parked)).isEqualTo("grown");
            CompletableFuture<byte[]> again = log.read(5, 100);
            java.nio.file.Files.write(log.path(), bytes(" again"), java.nio.file.StandardOpenOption.APPEND);
            assertThat(str(again)).isEqualTo(" again");
        }
    }

    @Test
    void growthByAnotherWriterIsNoticed() throws Exception {
        // The process keeps writing after the read parks: only the file watcher can wake it.
        RunningProcess p = spawner.spawn(SpawnSpec.of(List.of("sh", "-c", "read x; echo one; read y; echo two; read z"),
                dir, dir.resolve("out"), dir.resolve("err")));
        CompletableFuture<byte[]> one = p.stdout().read(0, 100);
        p.writeStdin(bytes("\n"));
        assertThat(str(one)).isEqualTo("one\n");

        CompletableFuture<byte[]> two = p.stdout().read(4, 100);
        p.writeStdin(bytes("\n"));
        assertThat(str(two)).isEqualTo("two\n");
        assertThat(p.exit()).isNotDone();
        p.closeStdin();
        await().atMost(Duration.ofSeconds(10)).until(() -> p.exit().isDone());
    }
}
