package org.taskfs.task;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.TextHandle;

/**
 * An open root {@code env}: reads the environment as {@code NAME=value} lines; writes replace it
 * (a write at offset 0 starts anew, later ones add to what this fid wrote).
 */
public final class EnvFile extends TextHandle {
    private final Function<String, CompletableFuture<Void>> replace;
    private final StringBuilder written = new StringBuilder();

    /** @param replace sets the environment; its future completes once that is kept (a coordinator's state) */
    public EnvFile(Node node, Supplier<String> current, Function<String, CompletableFuture<Void>> replace) {
        super(node, current);
        this.replace = replace;
    }

    @Override
    public synchronized CompletableFuture<Integer> write(long offset, byte[] data) {
        String next = (offset == 0 ? "" : written.toString()) + EnvLines.text("env", data);
        // Parsed before it is kept: a refused line must not poison the writes that follow it.
        CompletableFuture<Void> kept = replace.apply(next);
        written.setLength(0);
        written.append(next);
        return kept.thenApply(v -> data.length);
    }
}
