package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log written by another writer (as a task's process writes its stdout) is read ahead for readers that follow
 * it; readers that share it, jump around or catch up with the writer still get exactly the file's bytes.
 */
class OutputLogReadAheadTest {
    @TempDir
    Path dir;

    /** Stands in for the node's I/O loop: the test calls {@link OutputLog#deliverParked} after each write. */
    private static final OutputLog.Watch QUIET = new OutputLog.Watch() {
        @Override
        public void parked(OutputLog log) {}

        @Override
        public void forget(OutputLog log) {}
    };

    private static byte[] get(CompletableFuture<byte[]> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void twoReadersAtDifferentOffsetsEachGetTheFileExactly() throws Exception {
        Path file = dir.resolve("stdout");
        byte[] content = random(5 * OutputLog.READ_AHEAD + 12_345, 1);
        try (OutputLog log = OutputLog.open(file, QUIET)) {
            Files.write(file, content);
            log.markComplete();
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            long secondAt = 3 * 65_512 + 7;
            boolean firstDone = false;
            boolean secondDone = false;
            while (!firstDone || !secondDone) {
                if (!firstDone) {
                    byte[] b = get(log.read(first.size(), 65_512));
                    firstDone = b.length == 0;
                    first.write(b);
                }
                if (!secondDone) {
                    byte[] b = get(log.read(secondAt + second.size(), 8192));
                    secondDone = b.length == 0;
                    second.write(b);
                }
            }
            assertThat(first.toByteArray()).isEqualTo(content);
            assertThat(second.toByteArray()).isEqualTo(Arrays.copyOfRange(content, (int) secondAt, content.length));
        }
    }

    @Test
    void aReaderThatGoesBackOrSkipsForwardReadsWhatIsThere() throws Exception {
        Path file = dir.resolve("stdout");
        byte[] content = random(3 * OutputLog.READ_AHEAD, 2);
        try (OutputLog log = OutputLog.open(file, QUIET)) {
            Files.write(file, content);
            log.markComplete();
            long[] offsets = {0, 65_536, 131_072, 10, 700_000, 700_000 + 65_536, 65_536, content.length - 5};
            for (long at : offsets) {
                byte[] b = get(log.read(at, 65_536));
                assertThat(b).as("at %d", at).isNotEmpty()
                        .isEqualTo(Arrays.copyOfRange(content, (int) at, (int) at + b.length));
            }
            assertThat(get(log.read(content.length, 10))).isEmpty();
        }
    }

    @Test
    void aReaderThatCatchesUpWithTheWriterGetsEachWriteInOrder() throws Exception {
        Path file = dir.resolve("stdout");
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        try (OutputLog log = OutputLog.open(file, QUIET)) {
            for (int i = 0; i < 40; i++) {
                byte[] chunk = random(1000 + i * 9000, 100 + i);
                CompletableFuture<byte[]> waiting = log.read(read.size(), 65_536);
                Files.write(file, chunk, StandardOpenOption.APPEND);
                written.write(chunk);
                log.deliverParked();
                read.write(get(waiting));
                while (read.size() < written.size()) {
                    read.write(get(log.read(read.size(), 65_536)));
                }
            }
            log.markComplete();
            assertThat(get(log.read(read.size(), 65_536))).isEmpty();
            assertThat(read.toByteArray()).isEqualTo(written.toByteArray());
        }
    }
}
