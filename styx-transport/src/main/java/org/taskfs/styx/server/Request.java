package org.taskfs.styx.server;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.util.Futures;

/**
 * A request between its arrival and its reply, under its tag. It knows the node future it waits
 * for, so that Tflush (or the client going) can cancel that. Touched only on the event loop.
 */
final class Request {
    final Tmessage msg;
    private final Executor loop;
    private CompletableFuture<?> pending;
    private boolean flushed;
    /** Told the error text if this request is answered with an Rerror ({@link Node#refused}); null for none. */
    private Node refusedNode;
    private Caller refusedCaller;

    Request(Tmessage msg, Executor loop) {
        this.msg = msg;
        this.loop = loop;
    }

    /** Flushed or abandoned: its reply must not be sent. */
    boolean flushed() {
        return flushed;
    }

    /** {@code node} learns of it should this request be refused ({@link Node#refused}). */
    void refusalTo(Node node, Caller caller) {
        refusedNode = node;
        refusedCaller = caller;
    }

    /** Tells the node named by {@link #refusalTo}, if any, that this request was answered with {@code error}. */
    void refused(String error) {
        if (refusedNode != null) {
            refusedNode.refused(refusedCaller, error);
        }
    }

    /** Tflush or disconnect: no reply will be sent, and the node is told to stop waiting. */
    void flush() {
        flushed = true;
        if (pending != null) {
            pending.cancel(true);
        }
    }

    /** The node's future the request last waited for, if any. */
    CompletableFuture<?> waitingFor() {
        return pending;
    }

    /**
     * Calls into a node and brings its answer back to the event loop. A handler that throws or
     * returns null fails the request instead of the connection.
     */
    <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> handler) {
        if (flushed) {
            return CompletableFuture.failedFuture(new CancellationException("flushed"));
        }
        CompletableFuture<T> f = Futures.attempt(handler);
        pending = f;
        if (f.isDone()) {
            return f;
        }
        return Futures.relay(f, new CompletableFuture<>(), loop);
    }
}
