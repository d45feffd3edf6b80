package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log appended from Java answers from its in-memory tail where it can, from the file where it must. */
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
}
