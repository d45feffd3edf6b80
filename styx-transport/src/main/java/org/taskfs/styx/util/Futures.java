package org.taskfs.styx.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The few things every layer does with futures, done one way: find what really failed, pass an
 * outcome on to another future, and let a cancellation reach the work it was waiting for.
 */
public final class Futures {
    private Futures() {}

    /**
     * What really failed: the cause under any CompletionException or ExecutionException wrappers,
     * which only say that the failure travelled through a future.
     */
    public static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * A failure to throw from inside a stage ({@code handle}, {@code thenApply}) so that the stage
     * fails with {@code e}'s real cause and not with a wrapper around a wrapper.
     */
    public static CompletionException rethrow(Throwable e) {
        return new CompletionException(cause(e));
    }

    /**
     * The future of {@code call}: a call that throws, or returns null instead of a future, fails
     * the future instead of its caller.
     */
    public static <T> CompletableFuture<T> attempt(Supplier<? extends CompletableFuture<T>> call) {
        try {
            CompletableFuture<T> f = call.get();
            return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(cause(e));
        }
    }

    /** Completes {@code to} as {@code from} completes (a failure with its real cause); returns {@code to}. */
    public static <T> CompletableFuture<T> relay(CompletionStage<? extends T> from, CompletableFuture<T> to) {
        from.whenComplete((v, e) -> complete(to, v, e));
        return to;
    }

    /**
     * {@link #relay} with {@code to} completed on {@code executor}: a future completed on some
     * other thread brings its outcome back to the thread that owns the state it touches.
     */
    public static <T> CompletableFuture<T> relay(CompletionStage<? extends T> from, CompletableFuture<T> to,
                                                 Executor executor) {
        from.whenComplete((v, e) -> executor.execute(() -> complete(to, v, e)));
        return to;
    }

    private static <T> void complete(CompletableFuture<T> to, T v, Throwable e) {
        if (e != null) {
            to.completeExceptionally(cause(e));
        } else {
            to.complete(v);
        }
    }

    /**
     * Makes cancelling {@code outer} cancel {@code inner} too, so whoever parked {@code inner}
     * (a queued read, a waiting request) can forget it. Returns {@code outer}.
     */
    public static <T> CompletableFuture<T> cancelsInner(CompletableFuture<T> outer, CompletableFuture<?> inner) {
        outer.whenComplete((v, e) -> {
            if (outer.isCancelled()) {
                inner.cancel(true);
            }
        });
        return outer;
    }

    /**
     * A new future completed by {@code inner}, whose cancellation cancels {@code inner}. Plain
     * {@code thenApply} chains do not pass a cancellation back to where they started.
     */
    public static <T> CompletableFuture<T> linked(CompletableFuture<T> inner) {
        return cancelsInner(relay(inner, new CompletableFuture<>()), inner);
    }

    /** The real cause {@code f} failed with, or null once it succeeds: a failure as a value. */
    public static CompletableFuture<Throwable> failure(CompletableFuture<?> f) {
        return f.handle((v, e) -> e == null ? null : cause(e));
    }

    /** Completes normally once {@code f} completes in any way: for waiting on an outcome nobody needs. */
    public static CompletableFuture<Void> settled(CompletableFuture<?> f) {
        return f.handle((v, e) -> null);
    }
}
