package org.taskfs.coord.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * An append-only write-ahead journal: records of {@code [length][CRC32][bytes]}, replayed in order at open.
 * Chosen over an embedded database because what it keeps is small, written one record at a time, and read only
 * at start: a file of our own is crash-safe with one rule (a record counts once its fsync returned) and needs no
 * dependency. A tail cut short by a crash, or one whose checksum does not match, is where the journal ends: it
 * is dropped and the file truncated there, so the next record is not written behind garbage.
 *
 * <p>Records are written by one thread, which fsyncs once for all those queued meanwhile (group commit): each
 * {@link #append} completes after the fsync that made it durable. {@link #compact} replaces the file by a
 * snapshot: written to a temporary file, fsynced, renamed over the journal, and the directory fsynced, so a
 * crash at any point leaves either the old journal or the new one, whole.
 */
public final class Journal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    /** No record is this large; a header saying so is garbage, not a reason to allocate. */
    static final int MAX_RECORD = 16 << 20;
    private static final int HEADER = 8;

    /** A record to write, or (with a snapshot) a compaction; done when durable. */
    private record Item(byte[] record, Supplier<List<byte[]>> snapshot, CompletableFuture<Void> done) {}

    /** Wakes the writer to stop once what was queued before it is written. */
    private static final Item STOP = new Item(null, null, null);

    private final Path file;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private FileChannel channel;
    /** Read by appenders (on event loops) while the writer holds the lock over an fsync: never behind it. */
    private volatile long size;
    private volatile boolean closed;

    private Journal(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.writer = new Thread(this::writeLoop, "journal-" + file.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens (or creates) the journal at {@code file}, giving each whole record to {@code replay} in order. A torn
     * or corrupt tail is truncated away; how much was dropped is logged.
     */
    public static Journal open(Path file, Consumer<byte[]> replay) throws IOException {
        Files.deleteIfExists(temporary(file)); // a compaction that died before its rename
        boolean made = !Files.exists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (made) {
                // The new file's name is durable before any record in it is said to be.
                fsyncDirectory(file.toAbsolutePath().getParent());
            }
            long end = ch.size();
            long at = replay(ch, end, replay);
            if (at < end) {
                LOG.log(System.Logger.Level.WARNING, "{0}: dropped a torn or corrupt tail of {1} bytes at {2}", file,
                        end - at, at);
                ch.truncate(at);
                ch.force(true);
            }
            ch.position(at);
            return new Journal(file, ch, at);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Replays whole records from the start; returns where the valid ones end. */
    private static long replay(FileChannel ch, long end, Consumer<byte[]> replay) throws IOException {
        long at = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (end - at >= HEADER) {
            header.clear();
            readFully(ch, header, at);
            int length = header.getInt(0);
            int crc = header.getInt(4);
            if (length < 0 || length > MAX_RECORD || end - at - HEADER < length) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(ch, body, at + HEADER);
            byte[] record = body.array();
            if (crc32(record) != crc) {
                break;
            }
            replay.accept(record);
            at += HEADER + length;
        }
        return at;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("unexpected end of journal");
            }
        }
    }

    private static int crc32(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return (int) c.getValue();
    }

    private static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Queues a record; completes once it is on disk (fsynced), or fails saying why it could not be. */
    public CompletableFuture<Void> append(byte[] record) {
        if (record.length > MAX_RECORD) {
            return CompletableFuture.failedFuture(new IOException("journal record of " + record.length
                    + " bytes; at most " + MAX_RECORD));
        }
        return enqueue(new Item(record, null, new CompletableFuture<>()));
    }

    /**
     * Replaces the journal by {@code snapshot}, taken by the writer after every record queued before this call is
     * written: the snapshot must stand for all of them (the caller's state as of now).
     */
    public CompletableFuture<Void> compact(Supplier<List<byte[]>> snapshot) {
        return enqueue(new Item(null, snapshot, new CompletableFuture<>()));
    }

    private CompletableFuture<Void> enqueue(Item item) {
        if (closed) {
            return CompletableFuture.failedFuture(new IOException("the journal " + file + " is closed"));
        }
        queue.add(item);
        return item.done();
    }

    /** Bytes in the journal file now (records written, compacted or not). */
    public long size() {
        return size;
    }

    public Path file() {
        return file;
    }

    private void writeLoop() {
        List<Item> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch);
            List<Item> written = new ArrayList<>();
            for (Item it : batch) {
                if (it == STOP) {
                    continue;
                }
                if (it.record() != null) {
                    written.add(it);
                    continue;
                }
                // Records before the compaction go to the old file first; the snapshot covers them anyway.
                flush(written);
                written.clear();
                try {
                    replace(it.snapshot().get());
                    it.done().complete(null);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: compaction failed: {1}", file, e.toString());
                    it.done().completeExceptionally(e);
                }
            }
            flush(written);
            batch.clear();
            if (closed && queue.isEmpty()) {
                break;
            }
        }
    }

    private void flush(List<Item> items) {
        if (items.isEmpty()) {
            return;
        }
        try {
            int total = 0;
            for (Item it : items) {
                total += HEADER + it.record().length;
            }
            ByteBuffer b = ByteBuffer.allocate(total);
            for (Item it : items) {
                frame(b, it.record());
            }
            b.flip();
            synchronized (this) {
                while (b.hasRemaining()) {
                    channel.write(b);
                }
                // Data only: the length the records need is made durable with them (fdatasync covers size changes).
                channel.force(false);
                size += total;
            }
            items.forEach(it -> it.done().complete(null));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "{0}: cannot write the journal: {1}", file, e.toString());
            items.forEach(it -> it.done().completeExceptionally(
                    new UncheckedIOException("cannot keep the state in " + file + ": " + e.getMessage(),
                            e instanceof IOException io ? io : new IOException(e))));
        }
    }

    private static void frame(ByteBuffer b, byte[] record) {
        b.putInt(record.length).putInt(crc32(record)).put(record);
    }

    /** Writes the snapshot beside the journal, fsyncs it, renames it over the journal, fsyncs the directory. */
    private void replace(List<byte[]> records) throws IOException {
        Path tmp = temporary(file);
        long total = 0;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (byte[] r : records) {
                ByteBuffer b = ByteBuffer.allocate(HEADER + r.length);
                frame(b, r);
                b.flip();
                while (b.hasRemaining()) {
                    out.write(b);
                }
                total += b.limit();
            }
            out.force(true);
        }
        synchronized (this) {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(file.toAbsolutePath().getParent());
            FileChannel old = channel;
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
            channel.position(channel.size());
            size = total;
            old.close();
        }
    }

    /** Makes a rename in {@code dir} durable (Linux: fsync of the directory opened for reading). */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: {1}", file, e.toString());
            }
        }
    }
}
