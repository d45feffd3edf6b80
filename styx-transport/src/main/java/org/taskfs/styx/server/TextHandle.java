package org.taskfs.styx.server;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An open generated text file: the text is produced at a read at offset 0 and later offsets read
 * that same snapshot, so a reader never sees a line torn between two versions (lib9p's readstr).
 * The text may take requests elsewhere to make ({@link #later}).
 */
public class TextHandle implements OpenFile {
    private final Node node;
    private final Supplier<CompletableFuture<String>> text;
    private CompletableFuture<byte[]> snapshot;

    public TextHandle(Node node, Supplier<String> text) {
        this.node = node;
        this.text = () -> CompletableFuture.completedFuture(text.get());
    }

    private TextHandle(Supplier<CompletableFuture<String>> text, Node node) {
        this.node = node;
        this.text = text;
    }

    /** A text that is made asynchronously, e.g. from other servers' answers. */
    public static TextHandle later(Node node, Supplier<CompletableFuture<String>> text) {
        return new TextHandle(text, node);
    }

    @Override
    public Node node() {
        return node;
    }

    @Override
    public CompletableFuture<byte[]> read(long offset, int count) {
        CompletableFuture<byte[]> s;
        synchronized (this) {
            if (offset == 0 || snapshot == null) {
                snapshot = text.get().thenApply(t -> t.getBytes(StandardCharsets.UTF_8));
            }
            s = snapshot;
        }
        return s.thenApply(b -> Files9.slice(b, offset, count));
    }
}
