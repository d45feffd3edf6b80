package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log appended from Java answers from its in-memory tail where it can, from the file where it must; it makes
 * its file only once it outgrows memory.
 */
class OutputLogTailTest {
    @TempDir
    Path dir;

    private static byte[] get(CompletableFuture<byte[]> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void everyByteReadsBackAcrossTheTailAndTheFile() throws Exception {
        Random random = new Random(42);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try (OutputLog log = OutputLog.open(dir.resolve("log"))) {
            // Chunks of every size around the tail's, so reads fall in the tail, before it and across its start.
            for (int size : new int[] {1, 1000, OutputLog.TAIL - 1, 2, OutputLog.TAIL + 5, 3000, 70_000, 17}) {
                byte[] chunk = new byte[size];
                random.nextBytes(chunk);
                log.append(chunk);
                written.write(chunk);
            }
            log.markComplete();
            for (int step : new int[] {7, 4096, 65_536, 1 << 20}) {
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                while (true) {
                    byte[] b = get(log.read(read.size(), step));
                    if (b.length == 0) {
                        break;
                    }
                    assertThat(b.length).isLessThanOrEqualTo(step);
                    read.write(b);
                }
                assertThat(read.toByteArray()).as("reads of %d", step).isEqualTo(written.toByteArray());
            }
        }
    }

    @Test
    void aReaderAtTheEndWaitsForTheNextAppendAndEndsWithTheLog() throws Exception {
        try (OutputLog log = OutputLog.open(dir.resolve("log"))) {
            log.append("abc".getBytes());
            assertThat(get(log.read(0, 10))).isEqualTo("abc".getBytes());
            CompletableFuture<byte[]> next = log.read(3, 10);
            assertThat(log.parkedReads()).isEqualTo(1);
            log.append("de".getBytes());
            assertThat(get(next)).isEqualTo("de".getBytes());
            CompletableFuture<byte[]> last = log.read(5, 10);
            log.markComplete();
            assertThat(get(last)).isEmpty();
            assertThat(get(log.read(99, 10))).isEmpty();
        }
    }

    @Test
    void aLogAppendedHereMakesItsFileOnlyOnceItOutgrowsMemory() throws Exception {
        Path file = dir.resolve("copy");
        try (OutputLog log = OutputLog.open(file)) {
            byte[] first = random(100);
            log.appendLater(first).get(30, TimeUnit.SECONDS);
            assertThat(file).as("a line of output: in memory only").doesNotExist();
            assertThat(log.read(0, 1000).get(30, TimeUnit.SECONDS)).isEqualTo(first);

            byte[] more = random(OutputLog.TAIL);
            log.appendLater(more).get(30, TimeUnit.SECONDS);
            byte[] all = concat(first, more);
            assertThat(Files.readAllBytes(file)).as("outgrown: all of it in the file, in order").isEqualTo(all);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(log.size()).isEqualTo(all.length);
            log.markComplete();
            assertThat(readAll(log)).isEqualTo(all);
        }
    }

    @Test
    void aFinishedLogTooBigToKeepInMemoryMovesToItsFile() throws Exception {
        Path file = dir.resolve("copy");
        OutputLog log = OutputLog.open(file);
        byte[] out = random(OutputLog.KEPT_TAIL * 3);
        log.append(out);
        assertThat(file).doesNotExist();
        log.markComplete();
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> Files.exists(file)
                && Files.size(file) == out.length);
        assertThat(Files.readAllBytes(file)).isEqualTo(out);
        assertThat(readAll(log)).isEqualTo(out);

        byte[] small = random(OutputLog.KEPT_TAIL / 2);
        OutputLog kept = OutputLog.open(dir.resolve("small"));
        kept.append(small);
        kept.markComplete();
        assertThat(readAll(kept)).isEqualTo(small);
        assertThat(dir.resolve("small")).as("small enough to stay in memory").doesNotExist();
    }

    @Test
    void aLogThatCannotMakeItsFileKeepsWhatItHasAndSaysWhy() throws Exception {
        OutputLog log = OutputLog.open(dir.resolve("no-such-dir").resolve("copy"));
        byte[] first = random(1000);
        log.append(first);
        assertThatThrownBy(() -> log.append(random(OutputLog.TAIL))).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("no-such-dir");
        log.markComplete();
        assertThat(readAll(log)).as("what it held is still read").isEqualTo(first);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.util.Random(n).nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Reads a complete log from 0 to EOF, in reads of 1000 bytes. */
    private static byte[] readAll(OutputLog log) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            byte[] b = log.read(out.size(), 1000).get(30, TimeUnit.SECONDS);
            if (b.length == 0) {
                return out.toByteArray();
            }
            out.write(b);
        }
    }
}
