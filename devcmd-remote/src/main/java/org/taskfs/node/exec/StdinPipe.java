package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Pointer;
import org.taskfs.node.exec.Native.LibC;

/**
 * The parent's end of a child's stdin: a non-blocking pipe fed from a bounded queue by the {@link IoLoop}.
 *
 * <p>Callers only enqueue, under this object's lock; every system call on the descriptor happens on the loop
 * thread. A process that never reads its input therefore costs queued memory, up to the limit, and never a
 * blocked thread.
 */
final class StdinPipe {

    /** devcmd's error for writes to a command whose input is gone. */
    static final String HUNGUP = "i/o on hungup channel";

    private static final class Chunk {
        final byte[] data;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        int written;

        Chunk(byte[] data) {
            this.data = data;
        }
    }

    private final IoLoop loop;
    private final int fd;
    private final int pid;
    private final long limit;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean eofRequested;
    private boolean closed;
    private boolean leaderExited;

    StdinPipe(IoLoop loop, int fd, int pid, long limit) {
        this.loop = loop;
        this.fd = fd;
        this.pid = pid;
        this.limit = limit;
    }

    int fd() {
        return fd;
    }

    CompletableFuture<Integer> write(byte[] data) {
        Chunk chunk = new Chunk(data.clone());
        boolean wasIdle;
        synchronized (this) {
            if (closed || eofRequested) {
                return CompletableFuture.failedFuture(new IOException(HUNGUP));
            }
            if (data.length == 0) {
                return CompletableFuture.completedFuture(0);
            }
            if (queuedBytes + data.length > limit) {
                return CompletableFuture.failedFuture(new IOException("stdin of pid " + pid + " is not being read: "
                        + queuedBytes + " bytes already queued, limit " + limit));
            }
            wasIdle = queue.isEmpty();
            queue.add(chunk);
            queuedBytes += data.length;
        }
        // A cancelled write that has not started is dropped; one already partly in the pipe has to finish.
        chunk.done.whenComplete((n, e) -> {
            if (chunk.done.isCancelled()) {
                synchronized (this) {
                    if (chunk.written == 0 && queue.remove(chunk)) {
                        queuedBytes -= chunk.data.length;
                    }
                }
            }
        });
        if (wasIdle) {
            // Otherwise the loop already has this pipe: it is mid-flush or polling for POLLOUT.
            loop.execute(() -> loop.service(this));
        }
        return chunk.done;
    }

    /** End of input: the descriptor is closed once the queued data has been written. */
    void close() {
        synchronized (this) {
            if (closed || eofRequested) {
                return;
            }
            eofRequested = true;
        }
        loop.execute(() -> loop.service(this));
    }

    /** Close now, failing whatever is still queued. */
    void release() {
        synchronized (this) {
            eofRequested = true;
        }
        loop.execute(() -> {
            hangUp();
            loop.track(this);
        });
    }

    /**
     * The process has exited. Its descendants may still hold the pipe, so it stays open, but the loop now watches
     * it for POLLERR, which arrives when the last reader is gone; then it is closed.
     */
    void onLeaderExit() {
        synchronized (this) {
            leaderExited = true;
        }
        loop.execute(() -> loop.track(this));
    }

    synchronized boolean hasQueued() {
        return !queue.isEmpty();
    }

    synchronized boolean leaderExited() {
        return leaderExited;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized long queuedBytes() {
        return queuedBytes;
    }

    // ---- loop thread only ----------------------------------------------------------------------------------

    void flush(Pointer buffer, int bufferSize) {
        List<Chunk> written = new ArrayList<>();
        List<Chunk> failed = new ArrayList<>();
        String error = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            while (!queue.isEmpty()) {
                Chunk c = queue.peek();
                int len = Math.min(c.data.length - c.written, bufferSize);
                buffer.put(0, c.data, c.written, len);
                long n = C.write(fd, buffer, len);
                if (n > 0) {
                    c.written += (int) n;
                    queuedBytes -= n;
                    if (c.written == c.data.length) {
                        written.add(queue.poll());
                    }
                    continue;
                }
                int errno = n < 0 ? Native.errno() : LibC.EAGAIN;
                if (errno == LibC.EINTR) {
                    continue;
                }
                if (errno != LibC.EAGAIN) {
                    error = errno == LibC.EPIPE ? HUNGUP : Native.strerror(errno);
                }
                break;
            }
            if (error != null) {
                failed.addAll(queue);
                closeLocked();
            } else if (queue.isEmpty() && eofRequested) {
                closeLocked();
            }
        }
        for (Chunk c : written) {
            c.done.complete(c.data.length);
        }
        for (Chunk c : failed) {
            c.done.completeExceptionally(new IOException(error));
        }
    }

    /** The reading side is gone (or we are releasing): fail what is queued and close. */
    void hangUp() {
        List<Chunk> failed;
        synchronized (this) {
            if (closed) {
                return;
            }
            failed = new ArrayList<>(queue);
            closeLocked();
        }
        for (Chunk c : failed) {
            c.done.completeExceptionally(new IOException(HUNGUP));
        }
    }

    private void closeLocked() {
        closed = true;
        eofRequested = true;
        queue.clear();
        queuedBytes = 0;
        C.close(fd);
    }
}
