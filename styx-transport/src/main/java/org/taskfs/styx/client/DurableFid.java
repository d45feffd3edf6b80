package org.taskfs.styx.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.Futures;

/**
 * An open file of a {@link RedialingClient}, kept by its path from the attach root and its open mode: on each
 * new connection it is walked to and opened again (OTRUNC left out), so reads go on at the offsets they had
 * reached. A path that is no longer there fails the next operation with the server's words ("file does not
 * exist"). Reads and writes carry no timeout (a task's {@code stdout} blocks until output comes); stat, wstat
 * and clunk carry the client's request timeout. The caller clunks it.
 */
public final class DurableFid {
    /** The fid of one connection, opened (or being opened) on it. */
    private record Binding(RedialingClient.Link link, CompletableFuture<RemoteFid> fid) {}

    private final RedialingClient owner;
    private final String path;
    private final int reopenMode;
    /** False for a file that opened as another (a clone): its path leads to a new one, not to it. */
    private final boolean reopenable;
    private final AtomicBoolean clunked = new AtomicBoolean();
    private Binding bound;
    /** Where {@link #readNext} reads; advanced only by what a read returned. */
    private volatile long offset;

    DurableFid(RedialingClient owner, String path, int mode, RedialingClient.Link link, RemoteFid fid,
               boolean reopenable) {
        this.owner = owner;
        this.path = path;
        this.reopenMode = mode & ~P9.OTRUNC;
        this.reopenable = reopenable;
        this.bound = new Binding(link, CompletableFuture.completedFuture(fid));
    }

    /** The path from the attach root it is re-opened by. */
    public String path() {
        return path;
    }

    /** The fid on {@code link}: the one opened there, or a new walk and open of the path. */
    CompletableFuture<RemoteFid> on(RedialingClient.Link link) {
        synchronized (this) {
            if (bound.link() == link) {
                return bound.fid();
            }
            if (clunked.get()) {
                return CompletableFuture.failedFuture(new IllegalStateException(path + " was clunked"));
            }
            CompletableFuture<RemoteFid> f = reopenable ? owner.untimed(link).open(path, reopenMode)
                    : CompletableFuture.failedFuture(new StyxConnectionException(path + " opened as another file "
                            + "(as a clone opens as its session's ctl), so it cannot be opened again by its path "
                            + "on the new connection; open it anew"));
            bound = new Binding(link, f);
            return f;
        }
    }

    /** {@code op} on this file's fid on the live connection; the shared open is never cancelled with it. */
    private <T> CompletableFuture<T> run(String what, RedialingClient.Retry retry,
                                         Function<RemoteFid, CompletableFuture<T>> op) {
        if (clunked.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException(path + " was clunked"));
        }
        return owner.callOnLink(what + " " + path, retry, link -> {
            Op<T> out = new Op<>();
            on(link).whenComplete((fid, e) -> {
                if (e != null) {
                    out.fail(e);
                } else if (!out.isDone()) {
                    Futures.relay(out.step(Futures.attempt(() -> op.apply(fid))), out);
                }
            });
            return out;
        });
    }

    /** One Tread at {@code offset}; repeated on the next connection if this one goes meanwhile. */
    public CompletableFuture<byte[]> read(long offset, int count) {
        return run("read", RedialingClient.Retry.SAFE, f -> f.withTimeout(Duration.ZERO).read(offset, count));
    }

    /** Reads on from where the last call ended (0 at first), across connections; empty at end of file. */
    public CompletableFuture<byte[]> readNext() {
        long at = offset;
        return Op.map(read(at, Integer.MAX_VALUE), data -> {
            offset = at + data.length;
            return data;
        });
    }

    /** Bytes {@link #readNext} has read. */
    public long offset() {
        return offset;
    }

    /** One Twrite (see {@link RemoteFid#write}); not repeated if the connection goes with it in flight. */
    public CompletableFuture<Integer> write(long offset, byte[] data) {
        return run("write", RedialingClient.Retry.ONCE, f -> f.withTimeout(Duration.ZERO).write(offset, data));
    }

    /** All of {@code data} in Twrites of at most the iounit (see {@link RemoteFid#writeAll}); not repeated either. */
    public CompletableFuture<Void> writeAll(long offset, byte[] data) {
        return run("write", RedialingClient.Retry.ONCE, f -> f.withTimeout(Duration.ZERO).writeAll(offset, data));
    }

    /** The most one read or write carries on the current connection. */
    public int iounit() {
        Binding b;
        synchronized (this) {
            b = bound;
        }
        RemoteFid f = b.fid().getNow(null);
        return f != null ? f.iounit() : b.link().client().msize() - P9.IOHDRSZ;
    }

    public CompletableFuture<Dir> stat() {
        return run("stat", RedialingClient.Retry.SAFE, f -> f.withTimeout(owner.requestTimeout()).stat());
    }

    /** A Twstat; not repeated if the connection goes with it in flight. */
    public CompletableFuture<Void> wstat(Dir change) {
        return run("wstat", RedialingClient.Retry.ONCE, f -> f.withTimeout(owner.requestTimeout()).wstat(change));
    }

    /**
     * Releases the fid. A fid whose connection is gone is released already (the server dropped it with the
     * connection), so that is success too, and nothing waits for a connection to come back.
     */
    public CompletableFuture<Void> clunk() {
        if (!clunked.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        owner.forget(this);
        Binding b;
        synchronized (this) {
            b = bound;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        b.fid().whenComplete((fid, e) -> {
            if (e != null || !b.link().client().isOpen()) {
                done.complete(null);
                return;
            }
            fid.withTimeout(owner.requestTimeout()).clunk().whenComplete((v, e2) -> {
                Throwable t = e2 == null ? null : Futures.cause(e2);
                if (t == null || t instanceof StyxConnectionException) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(t);
                }
            });
        });
        return done;
    }

    @Override
    public String toString() {
        return "DurableFid[" + path + "]";
    }
}
