package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;

/** Future plumbing handlers need for Tflush to reach the work they wait on. */
public final class Futures {
    private Futures() {}

    /**
     * Makes cancelling {@code outer} (as the framework does on Tflush or disconnect) cancel
     * {@code inner} too, so whoever parked {@code inner} can forget it. Returns {@code outer}.
     */
    public static <T> CompletableFuture<T> cancelsInner(CompletableFuture<T> outer, CompletableFuture<?> inner) {
        outer.whenComplete((v, e) -> {
            if (outer.isCancelled()) {
                inner.cancel(true);
            }
        });
        return outer;
    }

    /** A future completed by {@code inner}, whose cancellation cancels {@code inner}. */
    public static <T> CompletableFuture<T> linked(CompletableFuture<T> inner) {
        CompletableFuture<T> outer = new CompletableFuture<>();
        inner.whenComplete((v, e) -> {
            if (e != null) {
                outer.completeExceptionally(e);
            } else {
                outer.complete(v);
            }
        });
        return cancelsInner(outer, inner);
    }
}
