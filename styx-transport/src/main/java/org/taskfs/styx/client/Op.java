package org.taskfs.styx.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.taskfs.styx.util.Futures;

/**
 * The future of an operation made of several requests. Cancelling it cancels the request in
 * flight (which sends Tflush); plain {@code thenApply} chains would drop the cancellation on the
 * floor, so every multi-step result the client returns is an Op.
 */
final class Op<T> extends CompletableFuture<T> {
    private volatile Future<?> step;

    /** A function that may throw, so a step can fail with a checked exception such as IOException. */
    interface Fn<A, B> {
        B apply(A a) throws Exception;
    }

    /** Makes {@code f} the step that a cancellation of this op reaches, and returns it. */
    <F extends Future<?>> F step(F f) {
        step = f;
        if (isCancelled()) {
            f.cancel(false); // cancelled before the step existed
        }
        return f;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        Future<?> s = step;
        if (cancelled && s != null) {
            s.cancel(mayInterruptIfRunning);
        }
        return cancelled;
    }

    /** Fails with the real cause, not the CompletionException wrapping it. */
    boolean fail(Throwable t) {
        return completeExceptionally(Futures.cause(t));
    }

    /** {@code src} then {@code f}, as an Op whose cancellation reaches {@code src}. */
    static <A, B> Op<B> map(CompletableFuture<A> src, Fn<? super A, ? extends B> f) {
        Op<B> out = new Op<>();
        out.step(src);
        src.whenComplete((a, e) -> {
            if (e != null) {
                out.fail(e);
                return;
            }
            try {
                out.complete(f.apply(a));
            } catch (Exception x) {
                out.fail(x);
            }
        });
        return out;
    }

    static <T> CompletableFuture<T> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }
}
