package org.taskfs.task;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.util.Futures;

/**
 * An append-only output stream of a task (its stdout or stderr), kept in a file and read by any number of
 * readers, each at its own offset.
 *
 * <p>The process writes the file itself (its fd 1 or 2 is the file), so no thread copies output and nothing is
 * lost however fast it writes or however slowly it is read. The file is the spill space DESIGN §3.4 asks for and
 * the page cache its in-memory part; the JVM holds only a bounded tail of what it appended itself and a bounded
 * read-ahead for readers that follow the stream.
 *
 * <p>{@link #read} never blocks: it completes at once with the bytes available at the offset, or parks until the
 * file grows, or answers end of file (an empty array) once the log is {@linkplain #markComplete complete} and the
 * reader has everything. Growth written by another process is noticed by a {@link Watch} (the node's I/O loop);
 * growth appended from Java wakes readers itself. Completion (the process was reaped) releases every parked
 * reader with its final bytes or EOF. File reads and appends run on {@link Disk}, never on the caller's thread
 * (often a Netty event loop); futures may complete on internal threads, so their dependent actions must not block.
 *
 * <p>A log appended from Java lives in memory while it is small (up to {@link #TAIL} bytes) and in its file from the
 * append that outgrows that on: a task that prints a line makes no file here. Once complete, a log of more than
 * {@link #KEPT_TAIL} bytes moves to its file, so finished logs keep little heap.
 *
 * <p>The file belongs to the task: {@link #close} releases descriptors and parked readers but leaves the file,
 * which goes away with the task's files.
 */
public final class OutputLog implements AutoCloseable {

    /** Tells a log when its file grows by writes from outside this JVM. */
    public interface Watch {
        /** A read parked on {@code log}: growth of its file must call {@link OutputLog#deliverParked}. */
        void parked(OutputLog log);

        /** {@code log} is complete or closed: stop watching it. */
        void forget(OutputLog log);

        /** For logs only this JVM appends to: {@link #append} wakes their readers. */
        Watch NONE = new Watch() {
            @Override
            public void parked(OutputLog log) {}

            @Override
            public void forget(OutputLog log) {}
        };
    }

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

    /** The last bytes appended from Java, kept in memory: small outputs and readers that keep up never wait on the disk. */
    static final int TAIL = 64 * 1024;
    /** How far ahead of a reader that follows the stream a process-written log is read. */
    static final int READ_AHEAD = 1024 * 1024;
    /** Bytes read ahead by all logs together at most: thousands of streams read at once must not fill the heap. */
    static final long AHEAD_BUDGET = 64L << 20;
    private static final AtomicLong AHEAD_HELD = new AtomicLong();
    /** What {@link #fromMemory} answers when the reader must wait for more. */
    private static final byte[] WAIT = new byte[0];

    private final Path path;
    private final Watch loop;
    /** Only this JVM appends (no watch): the length and the tail in memory are the whole truth. */
    private final boolean appendedHere;
    /** Bytes in the log, for one appended here; guarded by appendLock. */
    private long length;
    /**
     * Appended here and not in its file yet: every byte is in the tail, and there is no file. Guarded by
     * appendLock.
     */
    private boolean inMemory;
    /** Grown as bytes come, up to {@link #TAIL}; trimmed once complete, so finished logs keep little heap. */
    private byte[] tail;
    private int tailLength;
    private long tailStart;
    /**
     * Kept open while the log grows; once complete, reads open the file for themselves, so thousands of
     * finished logs hold no descriptor. Guarded by appendLock; null when not open.
     */
    private FileChannel reader;
    private final List<ParkedRead> parked = new ArrayList<>();
    private final Object appendLock = new Object();
    private FileChannel appender;
    /**
     * The bytes after the last read, fetched while its answer travels: the next read of a reader that follows
     * the stream is answered at once, without waiting for the disk executor. They are kept as chunks of the
     * size that reader asks for, so a chunk goes out as it is, without a copy. The file only grows, so bytes
     * read ahead never go stale.
     */
    private final Object aheadLock = new Object();
    private final ArrayDeque<byte[]> ahead = new ArrayDeque<>();
    /** The file offset of the next byte in {@link #ahead}; {@code aheadFrom} bytes of its first chunk were taken. */
    private long aheadOffset = -1;
    private int aheadFrom;
    private long aheadBytes;
    /** The block being fetched, from {@code fetchAt}; null when none is. */
    private CompletableFuture<Void> fetch;
    private long fetchAt;
    private volatile boolean complete;
    private volatile boolean closed;
    private OutputLog(Path path, Watch loop, boolean inMemory) throws IOException {
        this.path = path;
        this.loop = loop;
        this.appendedHere = loop == Watch.NONE;
        this.inMemory = inMemory;
        this.tail = appendedHere ? NO_BYTES : null;
        this.length = appendedHere && !inMemory ? Files.size(path) : 0;
        this.tailStart = length;
    }

    private static final byte[] NO_BYTES = new byte[0];
    /** The most of its tail a complete log keeps in memory. */
    static final int KEPT_TAIL = 4096;

    /**
     * Opens a log that only this JVM appends to, kept in {@code path} once it outgrows memory (created then, mode
     * 0600), or at once if that file exists already (the log goes on from its end).
     */
    public static OutputLog open(Path path) throws IOException {
        return Files.exists(path) ? new OutputLog(path, Watch.NONE, false) : new OutputLog(path, Watch.NONE, true);
    }

    /** Opens the log kept in {@code path}, written by another process whose growth {@code watch} reports. */
    public static OutputLog open(Path path, Watch watch) throws IOException {
        create(path);
        return new OutputLog(path, watch, false);
    }

    private static void create(Path path) throws IOException {
        try {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // appending to an existing log is fine
        }
    }

    public Path path() {
        return path;
    }

    /** Bytes in the log so far. */
    public long size() throws IOException {
        synchronized (appendLock) {
            if (appendedHere && (!closed || inMemory)) {
                return length;
            }
        }
        return Files.size(path);
    }

    /**
     * Reads up to {@code max} bytes at {@code offset}. Completes with at least one byte as soon as there is one,
     * or with an empty array at end of file (the log is complete, or closed, and {@code offset} is at or past its
     * end; or its file has gone). {@code max == 0} completes with an empty array at once; at most {@value #MAX_READ} bytes
     * come back from one read. Cancelling a pending read withdraws it.
     */
    public CompletableFuture<byte[]> read(long offset, int max) {
        if (offset < 0 || max < 0) {
            throw new IllegalArgumentException("offset " + offset + ", count " + max);
        }
        if (max == 0) {
            return CompletableFuture.completedFuture(EOF);
        }
        int n = Math.min(max, MAX_READ);
        byte[] known = fromMemory(offset, n);
        if (known == WAIT) {
            return park(offset, n);
        }
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        byte[] hit = takeAhead(offset, n);
        if (hit != null) {
            readAhead(offset + hit.length, n);
            return CompletableFuture.completedFuture(hit);
        }
        CompletableFuture<Void> coming = fetchOf(offset);
        if (coming != null) {
            // The reader drained the bytes ahead while the next block is on its way: wait for it, not a second read.
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            coming.whenComplete((v, e) -> {
                if (!answer.isDone()) {
                    follow(read(offset, max), answer);
                }
            });
            return answer;
        }
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Disk.execute(() -> {
            try {
                byte[] now = tryRead(offset, n);
                if (now != null) {
                    answer.complete(now);
                    if (now.length > 0) {
                        readAhead(offset + now.length, n);
                    }
                    return;
                }
            } catch (IOException e) {
                answer.completeExceptionally(e);
                return;
            }
            follow(park(offset, n), answer);
        });
        return answer;
    }

    /** {@code answer} completes as {@code inner} does, and cancelling it withdraws {@code inner}. */
    private static void follow(CompletableFuture<byte[]> inner, CompletableFuture<byte[]> answer) {
        Futures.cancelsInner(answer, inner);
        Futures.relay(inner, answer);
    }

    /**
     * For a log appended here: the bytes at {@code offset} if they are in the tail, {@link #EOF} at the end of a
     * complete log, {@link #WAIT} at the end of one still growing; null when only the disk has them.
     */
    private byte[] fromMemory(long offset, int max) {
        if (!appendedHere) {
            return null;
        }
        synchronized (appendLock) {
            if (offset >= length) {
                return complete ? EOF : WAIT;
            }
            if (offset < tailStart) {
                return null;
            }
            int from = (int) (offset - tailStart);
            return Arrays.copyOfRange(tail, from, from + (int) Math.min(max, length - offset));
        }
    }

    /** Up to {@code max} of the bytes read ahead, if they start at {@code offset}; null otherwise. */
    private byte[] takeAhead(long offset, int max) {
        synchronized (aheadLock) {
            if (ahead.isEmpty() || offset < aheadOffset || offset >= aheadOffset + aheadBytes) {
                return null;
            }
            skipAhead(offset - aheadOffset);
            byte[] first = ahead.peekFirst();
            byte[] out;
            if (aheadFrom == 0 && first.length <= max) {
                out = ahead.pollFirst();
            } else {
                out = new byte[(int) Math.min(max, aheadBytes)];
                int filled = 0;
                while (filled < out.length) {
                    byte[] c = ahead.peekFirst();
                    int n = Math.min(out.length - filled, c.length - aheadFrom);
                    System.arraycopy(c, aheadFrom, out, filled, n);
                    filled += n;
                    aheadFrom += n;
                    if (aheadFrom == c.length) {
                        ahead.pollFirst();
                        aheadFrom = 0;
                    }
                }
            }
            aheadOffset += out.length;
            holdAhead(-out.length);
            return out;
        }
    }

    /** Drops the first {@code n} bytes read ahead: the reader went past them (another reader took them). */
    private void skipAhead(long n) {
        while (n > 0) {
            byte[] c = ahead.peekFirst();
            int k = (int) Math.min(n, c.length - aheadFrom);
            aheadFrom += k;
            if (aheadFrom == c.length) {
                ahead.pollFirst();
                aheadFrom = 0;
            }
            aheadOffset += k;
            holdAhead(-k);
            n -= k;
        }
    }

    private void holdAhead(long delta) {
        aheadBytes += delta;
        AHEAD_HELD.addAndGet(delta);
    }

    private void dropAhead() {
        holdAhead(-aheadBytes);
        ahead.clear();
        aheadFrom = 0;
    }

    /** The fetch under way that starts at {@code offset}, if there is one. */
    private CompletableFuture<Void> fetchOf(long offset) {
        synchronized (aheadLock) {
            return fetch != null && fetchAt == offset ? fetch : null;
        }
    }

    /**
     * Keeps about {@value #READ_AHEAD} bytes read ahead of a reader now at {@code offset} that asks for
     * {@code chunk} bytes at a time: one trip to the disk executor serves several reads, and the next block is
     * fetched while the last ones are taken.
     */
    private void readAhead(long offset, int chunk) {
        int size = Math.max(1, Math.min(chunk, READ_AHEAD));
        long at;
        long room;
        synchronized (aheadLock) {
            if (fetch != null || closed) {
                return;
            }
            if (offset < aheadOffset || offset > aheadOffset + aheadBytes) {
                dropAhead();
                aheadOffset = offset;
            }
            skipAhead(offset - aheadOffset);
            room = Math.min(READ_AHEAD - aheadBytes, AHEAD_BUDGET - AHEAD_HELD.get());
            if (aheadBytes >= READ_AHEAD / 2 || room < size) {
                return;
            }
            at = offset + aheadBytes;
            fetchAt = at;
            fetch = new CompletableFuture<>();
        }
        Disk.execute(() -> {
            List<byte[]> got = new ArrayList<>();
            long end = at;
            try {
                while (end - at < room) {
                    byte[] b = readFile(end, size);
                    if (b.length == 0) {
                        break;
                    }
                    got.add(b);
                    end += b.length;
                    if (b.length < size) {
                        break;
                    }
                }
            } catch (IOException e) {
                // the reader that comes for these bytes will meet the error itself
            }
            CompletableFuture<Void> done;
            synchronized (aheadLock) {
                done = fetch;
                fetch = null;
                if (!closed && !got.isEmpty()) {
                    if (aheadOffset + aheadBytes != at) {
                        // The reader went elsewhere meanwhile: these bytes follow it no longer.
                        dropAhead();
                        aheadOffset = at;
                    }
                    ahead.addAll(got);
                    holdAhead(end - at);
                }
            }
            done.complete(null);
        });
    }

    private CompletableFuture<byte[]> park(long offset, int max) {
        ParkedRead p = new ParkedRead(offset, max);
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
     * {@link #append} for callers on an event loop: at once where the log stays in memory, else on the disk
     * executor.
     */
    public CompletableFuture<Void> appendLater(byte[] data) {
        boolean kept;
        synchronized (appendLock) {
            kept = !closed && inMemory && tailLength + data.length <= TAIL;
            if (kept) {
                keepTail(data);
            }
        }
        if (kept) {
            deliverParked();
            return CompletableFuture.completedFuture(null);
        }
        return Disk.run(() -> append(data));
    }

    /**
     * Appends {@code data} from Java (a coordinator's copy of a remote task's output). Safe alongside a process's
     * own writes: both sides append with O_APPEND. Blocks on the disk: not for event loops. If the disk fills
     * part-way, the part written is in the log (readers get it) and the failure is thrown.
     */
    public void append(byte[] data) throws IOException {
        try {
            synchronized (appendLock) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (inMemory && tailLength + data.length <= TAIL) {
                    keepTail(data);
                    return;
                }
                if (inMemory) {
                    toFile();
                }
                if (appender == null) {
                    appender = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                }
                ByteBuffer b = ByteBuffer.wrap(data);
                try {
                    while (b.hasRemaining()) {
                        appender.write(b);
                    }
                } finally {
                    keepTail(b.hasRemaining() ? Arrays.copyOf(data, b.position()) : data);
                }
                if (complete) {
                    // A late append to a complete log (its copy ended with the member's loss) keeps no descriptor.
                    closeQuietly(appender);
                    appender = null;
                }
            }
        } finally {
            deliverParked();
        }
    }

    /**
     * Moves a log kept in memory to its file; holding appendLock. If that fails, nothing of it is in the file
     * (whatever was written is removed) and it stays in memory.
     */
    private void toFile() throws IOException {
        try {
            create(path);
            try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(tail, 0, tailLength);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // the failure below is what counts
            }
            throw e;
        }
        inMemory = false;
    }

    /** A complete log kept in memory, too big to stay there: to its file (on the disk executor). */
    private void completeToFile() {
        synchronized (appendLock) {
            if (!inMemory || closed) {
                return;
            }
            try {
                toFile();
            } catch (IOException e) {
                // In memory it stays: nothing is lost, it only holds heap.
                return;
            }
            tailStart += tailLength;
            tailLength = 0;
            tail = NO_BYTES;
        }
    }

    private void keepTail(byte[] data) {
        if (!appendedHere) {
            return;
        }
        if (tailLength + data.length <= TAIL) {
            if (tailLength + data.length > tail.length) {
                tail = Arrays.copyOf(tail, Math.min(TAIL, Math.max(2 * tail.length, tailLength + data.length)));
            }
            System.arraycopy(data, 0, tail, tailLength, data.length);
            tailLength += data.length;
        } else {
            // Start the tail anew with the newest bytes: readers that keep up read those.
            int keep = Math.min(data.length, TAIL);
            if (tail.length < TAIL) {
                tail = new byte[TAIL];
            }
            System.arraycopy(data, data.length - keep, tail, 0, keep);
            tailLength = keep;
            tailStart = length + data.length - keep;
        }
        length += data.length;
    }

    /**
     * No more output will come (the writer has exited): readers at the end now get EOF. The log lets its
     * descriptors go and keeps no more of its tail in memory than it holds.
     */
    public void markComplete() {
        boolean move = false;
        synchronized (appendLock) {
            complete = true;
            if (inMemory && tailLength > KEPT_TAIL) {
                move = true;
            } else if (inMemory) {
                if (tail.length > tailLength) {
                    tail = Arrays.copyOf(tail, tailLength);
                }
            } else if (appendedHere && tailLength > KEPT_TAIL) {
                // Readers of a finished log read the page cache; the heap keeps only small outputs whole.
                tailStart += tailLength;
                tailLength = 0;
                tail = NO_BYTES;
            } else if (appendedHere && tail.length > tailLength) {
                tail = Arrays.copyOf(tail, tailLength);
            }
            closeQuietly(appender);
            appender = null;
            closeQuietly(reader);
            reader = null;
        }
        if (move) {
            Disk.execute(this::completeToFile);
        }
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

    /**
     * Releases the descriptors and ends the log: parked and later reads get what the file holds, then EOF (or EOF
     * at once, once the file has gone with its task). The file stays.
     */
    @Override
    public void close() {
        synchronized (appendLock) {
            if (closed) {
                return;
            }
            closed = true;
            complete = true;
            closeQuietly(appender);
            appender = null;
            closeQuietly(reader);
            reader = null;
        }
        synchronized (aheadLock) {
            dropAhead();
        }
        deliverParked();
        loop.forget(this);
    }

    /** Data at {@code offset}, {@link #EOF}, or {@code null} when the reader has to wait. */
    private byte[] tryRead(long offset, int max) throws IOException {
        byte[] known = fromMemory(offset, max);
        if (known != null) {
            return known == WAIT ? null : known;
        }
        // Read the flag before the size: once complete, the size we then see is final.
        boolean done = complete;
        byte[] b = readFile(offset, max);
        if (b.length > 0) {
            return b;
        }
        return done ? EOF : null;
    }

    /** Up to {@code max} bytes of the file at {@code offset}, as many as it has now; empty if none or closed. */
    private byte[] readFile(long offset, int max) throws IOException {
        FileChannel growing = growingReader();
        if (growing != null) {
            try {
                return readFrom(growing, offset, max);
            } catch (ClosedChannelException e) {
                // completed (or closed) meanwhile: read as a complete log is read
            }
        }
        try (FileChannel once = FileChannel.open(path, StandardOpenOption.READ)) {
            return readFrom(once, offset, max);
        } catch (java.nio.file.NoSuchFileException e) {
            return EOF; // closed, and its task's files removed
        }
    }

    /** The reader kept open while the log grows (opened on first use); null once complete or closed. */
    private FileChannel growingReader() throws IOException {
        synchronized (appendLock) {
            if (complete || closed) {
                return null;
            }
            if (reader == null) {
                reader = FileChannel.open(path, StandardOpenOption.READ);
            }
            return reader;
        }
    }

    private static byte[] readFrom(FileChannel c, long offset, int max) throws IOException {
        long size = c.size();
        if (offset >= size) {
            return EOF;
        }
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(max, size - offset));
        while (b.hasRemaining()) {
            if (c.read(b, offset + b.position()) <= 0) {
                break;
            }
        }
        return b.hasRemaining() ? Arrays.copyOf(b.array(), b.position()) : b.array();
    }

    /** Completes every parked read that can now be answered (the watch calls this when the file grew). */
    public void deliverParked() {
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
