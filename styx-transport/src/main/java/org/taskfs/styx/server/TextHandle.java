package org.taskfs.styx.server;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An open generated text file: the text is produced at a read at offset 0 and later offsets read
 * that same snapshot, so a reader never sees a line torn between two versions (lib9p's readstr).
 */
public class TextHandle implements OpenFile {
    private final Node node;
    private final Supplier<String> text;
    private byte[] snapshot;

    public TextHandle(Node node, Supplier<String> text) {
        this.node = node;
        this.text = text;
    }

    @Override
    public Node node() {
        return node;
    }

    @Override
    public CompletableFuture<byte[]> read(long offset, int count) {
        byte[] s;
        synchronized (this) {
            if (offset == 0 || snapshot == null) {
                snapshot = text.get().getBytes(StandardCharsets.UTF_8);
            }
            s = snapshot;
        }
        return CompletableFuture.completedFuture(Files9.slice(s, offset, count));
    }
}
