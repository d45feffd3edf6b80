package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;

/**
 * Future plumbing handlers need for Tflush to reach the work they wait on. Kept for handlers that
 * already use it; the methods live in {@link org.taskfs.styx.util.Futures}, which lower layers
 * can use too.
 */
public final class Futures {
    private Futures() {}

    /** See {@link org.taskfs.styx.util.Futures#cancelsInner}. */
    public static <T> CompletableFuture<T> cancelsInner(CompletableFuture<T> outer, CompletableFuture<?> inner) {
        return org.taskfs.styx.util.Futures.cancelsInner(outer, inner);
    }

    /** See {@link org.taskfs.styx.util.Futures#linked}. */
    public static <T> CompletableFuture<T> linked(CompletableFuture<T> inner) {
        return org.taskfs.styx.util.Futures.linked(inner);
    }
}
