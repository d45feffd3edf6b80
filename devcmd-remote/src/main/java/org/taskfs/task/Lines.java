package org.taskfs.task;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into whole lines: chunks go in as they come, each complete line (with its newline) comes
 * out once, and an unfinished line waits for the chunk that ends it. Gathered reads in {@code lines} mode and
 * spread writes in {@code rr} and {@code hash} mode both need this. Not thread-safe.
 */
public final class Lines {
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** Gives {@code line} every line that {@code chunk} completes, in order. */
    public void feed(byte[] chunk, Consumer<byte[]> line) {
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                if (partial.size() > 0) {
                    partial.write(chunk, start, i + 1 - start);
                    line.accept(partial.toByteArray());
                    partial.reset();
                } else {
                    line.accept(Arrays.copyOfRange(chunk, start, i + 1));
                }
                start = i + 1;
            }
        }
        partial.write(chunk, start, chunk.length - start);
    }

    /** The unfinished line, now taken (empty if there is none). */
    public byte[] rest() {
        byte[] r = partial.toByteArray();
        partial.reset();
        return r;
    }
}
