package org.taskfs.node.exec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An append-only output stream of a task (its stdout or stderr), kept in a file and read by any number of
 * readers, each at its own offset.
 *
 * <p>The process writes the file itself (its fd 1 or 2 is the file), so no thread copies output and nothing is
 * lost however fast it writes or however slowly it is read. For the same reason nothing is buffered in the JVM:
 * the file is the spill space DESIGN §3.4 asks for, and the page cache is the in-memory part.
 *
 * <p>{@link #read} never blocks: it completes at once with the bytes available at the offset, or parks until the
 * file grows, or answers end of file (an empty array) once the log is {@linkplain #markComplete complete} and the
 * reader has everything. Growth is noticed by the shared {@link IoLoop}; completion (the process was reaped)
 * releases every parked reader with its final bytes or EOF. Futures may complete on internal threads, so their
 * dependent actions must not block.
 *
 * <p>The file belongs to the task: {@link #close} releases descriptors and parked readers but leaves the file,
 * which goes away with the task's scratch directory.
 */
public final class OutputLog implements AutoCloseable {

    private static final byte[] EOF = new byte[0];
    /** Larger requests get this much: a read may return less than asked, and the heap is not for whole logs. */
    static final int MAX_READ = 8 << 20;

    private static final class ParkedRead {
        final long offset;
        final int max;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();

        ParkedRead(long offset, int max) {
            this.offset = offset;
            this.max = max;
        }
    }

    private final Path path;
    private final IoLoop loop;
    private final FileChannel reader;
    private final List<ParkedRead> parked = new ArrayList<>();
    private final Object appendLock = new Object();
    private FileChannel appender;
    private volatile boolean complete;
    private volatile boolean closed;
    /** The inotify watch on the file, or -1; written by the loop thread only. */
    volatile int watchDescriptor = -1;

    private OutputLog(Path path, IoLoop loop, FileChannel reader) {
        this.path = path;
        this.loop = loop;
        this.reader = reader;
    }

    /** Opens the log kept in {@code path}, creating an empty file (mode 0600) if there is none. */
    public static OutputLog open(Path path) throws IOException {
        return open(path, IoLoop.shared());
    }

    static OutputLog open(Path path, IoLoop loop) throws IOException {
        try {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // appending to an existing log is fine
        }
        return new OutputLog(path, loop, FileChannel.open(path, StandardOpenOption.READ));
    }

    public Path path() {
        return path;
    }

    /** Bytes in the log so far. */
    public long size() throws IOException {
        return closed ? Files.size(path) : reader.size();
    }

    /**
     * Reads up to {@code max} bytes at {@code offset}. Completes with at least one byte as soon as there is one,
     * or with an empty array at end of file (the log is complete and {@code offset} is at or past its end, or the
     * log was closed). {@code max == 0} completes with an empty array at once; at most {@value #MAX_READ} bytes
     * come back from one read. Cancelling a pending read withdraws it.
     */
    public CompletableFuture<byte[]> read(long offset, int max) {
        if (offset < 0 || max < 0) {
            throw new IllegalArgumentException("offset " + offset + ", count " + max);
        }
        if (max == 0) {
            return CompletableFuture.completedFuture(EOF);
        }
        try {
            byte[] now = tryRead(offset, Math.min(max, MAX_READ));
            if (now != null) {
                return CompletableFuture.completedFuture(now);
            }
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        ParkedRead p = new ParkedRead(offset, Math.min(max, MAX_READ));
        synchronized (parked) {
            parked.add(p);
        }
        p.future.whenComplete((b, e) -> unpark(p));
        loop.parked(this);
        // The file may have grown, or the log completed, between the first look and the parking.
        deliverParked();
        return p.future;
    }

    /**
     * Appends {@code data} from Java, e.g. a note written by the coordinator. Safe alongside the process's own
     * writes: both sides append with O_APPEND.
     */
    public void append(byte[] data) throws IOException {
        synchronized (appendLock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (appender == null) {
                appender = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                appender.write(b);
            }
        }
        deliverParked();
    }

    /** No more output will come (the writer has exited): readers at the end now get EOF. */
    public void markComplete() {
        complete = true;
        deliverParked();
        loop.forget(this);
    }

    public boolean isComplete() {
        return complete;
    }

    /** Reads waiting for data, for diagnostics and tests. */
    public int parkedReads() {
        synchronized (parked) {
            return parked.size();
        }
    }

    /** Releases the descriptors; parked and later reads get EOF. The file stays. */
    @Override
    public void close() {
        synchronized (appendLock) {
            if (closed) {
                return;
            }
            closed = true;
            complete = true;
            closeQuietly(appender);
        }
        deliverParked();
        closeQuietly(reader);
        loop.forget(this);
    }

    /** Data at {@code offset}, {@link #EOF}, or {@code null} when the reader has to wait. */
    private byte[] tryRead(long offset, int max) throws IOException {
        // Read the flag before the size: once complete, the size we then see is final.
        boolean done = complete;
        if (closed) {
            return EOF;
        }
        try {
            long size = reader.size();
            if (offset < size) {
                ByteBuffer b = ByteBuffer.allocate((int) Math.min(max, size - offset));
                while (b.hasRemaining()) {
                    if (reader.read(b, offset + b.position()) <= 0) {
                        break;
                    }
                }
                if (b.position() > 0) {
                    return b.hasRemaining() ? Arrays.copyOf(b.array(), b.position()) : b.array();
                }
            }
        } catch (ClosedChannelException e) {
            return EOF;
        }
        return done ? EOF : null;
    }

    /** Completes every parked read that can now be answered. */
    void deliverParked() {
        ParkedRead[] waiting;
        synchronized (parked) {
            if (parked.isEmpty()) {
                return;
            }
            waiting = parked.toArray(new ParkedRead[0]);
        }
        for (ParkedRead p : waiting) {
            if (p.future.isDone()) {
                unpark(p);
                continue;
            }
            try {
                byte[] b = tryRead(p.offset, p.max);
                if (b != null) {
                    p.future.complete(b);
                }
            } catch (IOException e) {
                p.future.completeExceptionally(e);
            }
        }
    }

    private void unpark(ParkedRead p) {
        synchronized (parked) {
            parked.remove(p);
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }
}
