package org.taskfs.styx.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.util.Futures;

/**
 * A fid: a handle on a file of the server, obtained from {@link StyxClient#attach},
 * {@link StyxClient#root()}, {@link StyxClient#walk(String)}, {@link StyxClient#open(String, int)}
 * or {@link #walk(String...)}. Whoever obtains one (except the shared root) must {@link #clunk()} it.
 *
 * <p>Every method returns at once; cancelling a returned future flushes the request in flight.
 * Requests carry the timeout of the {@link StyxClient} view the fid came from; {@link #withTimeout}
 * gives a handle on the same fid with another one (e.g. {@link Duration#ZERO} for reads that block
 * until a task writes).
 */
public final class RemoteFid {

    /** What all handles on one fid share. */
    static final class State {
        final Connection conn;
        final int fid;
        /** The connection's attach root, shared by the path operations: never opened or clunked. */
        final boolean shared;
        final AtomicBoolean clunked = new AtomicBoolean();
        volatile Qid qid;
        volatile boolean open;
        volatile int iounit;
        volatile long offset;

        State(Connection conn, int fid, Qid qid, boolean shared) {
            this.conn = conn;
            this.fid = fid;
            this.qid = qid;
            this.shared = shared;
        }
    }

    private final StyxClient client;
    private final State s;

    RemoteFid(StyxClient client, State state) {
        this.client = client;
        this.s = state;
    }

    /** The fid number on the wire, for {@link StyxClient#rpc}. */
    public int fid() {
        return s.fid;
    }

    /** The qid of the file, from the walk, attach, open or create that last moved this fid. */
    public Qid qid() {
        return s.qid;
    }

    public boolean isOpen() {
        return s.open;
    }

    /**
     * The most bytes one read or write carries: the iounit of Ropen/Rcreate, or msize−24 when the
     * server gave 0 (or before the fid is opened).
     */
    public int iounit() {
        int max = s.conn.msize() - P9.IOHDRSZ;
        int i = s.iounit;
        return i <= 0 || i > max ? max : i;
    }

    /** The view whose timeout this handle's requests carry. */
    public StyxClient client() {
        return client;
    }

    /** The same fid, its requests carrying another timeout ({@link Duration#ZERO}: none). */
    public RemoteFid withTimeout(Duration timeout) {
        return new RemoteFid(client.withTimeout(timeout), s);
    }

    // ------------------------------------------------------------------ walk

    /**
     * Walks to a new fid: {@code names} relative to this one, none to clone it. More than 16 names
     * take several Twalks. If an element does not exist the future fails with
     * {@link StyxRemoteException} ({@code file does not exist: a/b}) and no fid is left behind.
     */
    public CompletableFuture<RemoteFid> walk(String... names) {
        return walk(List.of(names));
    }

    CompletableFuture<RemoteFid> walk(List<String> names) {
        IllegalStateException gone = unusable();
        if (gone != null) {
            return Op.failed(gone);
        }
        Op<RemoteFid> op = new Op<>();
        walkChunk(op, names, 0, s.fid, s.conn.fids.allocate());
        return op;
    }

    private void walkChunk(Op<RemoteFid> op, List<String> names, int from, int fromFid, int newfid) {
        int to = Math.min(names.size(), from + P9.MAXWELEM);
        List<String> chunk = names.subList(from, to);
        boolean first = from == 0;
        Connection conn = s.conn;
        CompletableFuture<Rmessage> call = conn.send(tag -> new Tmessage.Walk(tag, fromFid, newfid, chunk),
                client.timeoutNanos(), (reply, delivered) -> {
                    // Runs once the server is done with this Twalk, whoever still waits for it.
                    boolean whole = reply instanceof Rmessage.Walk w && w.qids().size() == chunk.size();
                    if (whole && delivered) {
                        return; // the continuation below owns newfid now
                    }
                    if (first && !whole) {
                        conn.fids.free(newfid); // walk(5): a failed walk does not create newfid
                    } else {
                        // newfid exists: made by this walk (answer came too late) or by an earlier chunk
                        clunkQuietly(conn, newfid, client.timeoutNanos());
                    }
                });
        op.step(call).whenComplete((r, e) -> {
            if (e != null) {
                Throwable t = Futures.cause(e);
                op.fail(t instanceof StyxRemoteException x ? new StyxRemoteException(x.error(), String.join("/", names)) : t);
                return;
            }
            List<Qid> qids = ((Rmessage.Walk) r).qids();
            if (qids.size() < chunk.size()) {
                op.fail(new StyxRemoteException("file does not exist",
                        String.join("/", names.subList(0, from + qids.size() + 1))));
                return;
            }
            if (op.isDone()) {
                clunkQuietly(conn, newfid, client.timeoutNanos()); // cancelled after the reply came
            } else if (to < names.size()) {
                walkChunk(op, names, to, newfid, newfid);
            } else {
                Qid q = qids.isEmpty() ? s.qid : qids.get(qids.size() - 1);
                if (!op.complete(new RemoteFid(client, new State(conn, newfid, q, false)))) {
                    clunkQuietly(conn, newfid, client.timeoutNanos());
                }
            }
        });
    }

    // ------------------------------------------------------------------ open, create

    /** Opens this fid for I/O ({@link P9#OREAD}, {@link P9#OWRITE}, … with {@link P9#OTRUNC} etc.); yields this. */
    public CompletableFuture<RemoteFid> open(int mode) {
        if (s.shared) {
            return Op.failed(sharedRoot("opened"));
        }
        return Op.map(send(tag -> new Tmessage.Open(tag, s.fid, mode)), r -> {
            Rmessage.Open o = (Rmessage.Open) r;
            opened(o.qid(), o.iounit());
            return this;
        });
    }

    /** Creates {@code name} in this directory and opens it; this fid then is the new file. Yields this. */
    public CompletableFuture<RemoteFid> create(String name, int perm, int mode) {
        if (s.shared) {
            return Op.failed(sharedRoot("used to create"));
        }
        return Op.map(send(tag -> new Tmessage.Create(tag, s.fid, name, perm, mode)), r -> {
            Rmessage.Create c = (Rmessage.Create) r;
            opened(c.qid(), c.iounit());
            return this;
        });
    }

    private void opened(Qid qid, int iounit) {
        s.qid = qid;
        s.iounit = iounit;
        s.offset = 0;
        s.open = true;
    }

    // ------------------------------------------------------------------ read

    /**
     * One Tread of at most {@code count} bytes (capped at {@link #iounit()}) at {@code offset}.
     * An empty array means end of file.
     */
    public CompletableFuture<byte[]> read(long offset, int count) {
        if (count < 0) {
            return Op.failed(new IllegalArgumentException("negative read count " + count));
        }
        int n = Math.min(count, iounit());
        return Op.map(send(tag -> new Tmessage.Read(tag, s.fid, offset, n)), r -> ((Rmessage.Read) r).data());
    }

    /**
     * Reads up to {@link #iounit()} bytes at this fid's own offset and advances it: the way to follow
     * a file that grows, like a task's stdout. Empty means end of file. Call again only after the
     * previous call completed; the offset starts at 0 on open.
     */
    public CompletableFuture<byte[]> readNext() {
        long at = s.offset;
        return Op.map(read(at, iounit()), data -> {
            s.offset = at + data.length;
            return data;
        });
    }

    /** Reads from offset 0 until an empty read (end of file). The fid must be open for reading. */
    public CompletableFuture<byte[]> readAll() {
        Op<byte[]> op = new Op<>();
        readLoop(op, 0, new ByteArrayOutputStream());
        return op;
    }

    private void readLoop(Op<byte[]> op, long offset, ByteArrayOutputStream acc) {
        op.step(read(offset, iounit())).whenComplete((data, e) -> {
            if (e != null) {
                op.fail(e);
            } else if (data.length == 0) {
                op.complete(acc.toByteArray());
            } else if (!op.isDone()) {
                acc.write(data, 0, data.length);
                readLoop(op, offset + data.length, acc);
            }
        });
    }

    // ------------------------------------------------------------------ write

    /**
     * Exactly one Twrite, so one call is one command to a ctl file. Fails with
     * {@link IllegalArgumentException}, sending nothing, if {@code data} is longer than
     * {@link #iounit()} (use {@link #writeAll} for bulk data). Yields the count the server wrote.
     * {@code data} must not change until the future completes.
     */
    public CompletableFuture<Integer> write(long offset, byte[] data) {
        return write(offset, data, "fid " + s.fid);
    }

    CompletableFuture<Integer> write(long offset, byte[] data, String what) {
        if (data.length > iounit()) {
            return Op.failed(new IllegalArgumentException("write of " + data.length + " bytes to " + what
                    + " exceeds its iounit " + iounit() + "; one write is one Twrite (writeAll splits bulk data)"));
        }
        return Op.map(send(tag -> new Tmessage.Write(tag, s.fid, offset, data)), r -> ((Rmessage.Write) r).count());
    }

    /**
     * Writes all of {@code data} from {@code offset} in as many Twrites of at most {@link #iounit()}
     * bytes as it takes, one after another. Writes nothing when {@code data} is empty.
     */
    public CompletableFuture<Void> writeAll(long offset, byte[] data) {
        Op<Void> op = new Op<>();
        writeLoop(op, offset, data, 0);
        return op;
    }

    private void writeLoop(Op<Void> op, long offset, byte[] data, int done) {
        if (done == data.length) {
            op.complete(null);
            return;
        }
        int n = Math.min(iounit(), data.length - done);
        byte[] chunk = done == 0 && n == data.length ? data : Arrays.copyOfRange(data, done, done + n);
        op.step(write(offset + done, chunk)).whenComplete((count, e) -> {
            if (e != null) {
                op.fail(e);
            } else if (count <= 0 || count > n) {
                op.fail(new IOException("write to fid " + s.fid + " at offset " + (offset + done) + " of "
                        + s.conn.address + ": server wrote " + count + " of " + n + " bytes"));
            } else if (!op.isDone()) {
                writeLoop(op, offset, data, done + count);
            }
        });
    }

    // ------------------------------------------------------------------ stat, clunk, remove

    public CompletableFuture<Dir> stat() {
        return Op.map(send(tag -> new Tmessage.Stat(tag, s.fid)), r -> ((Rmessage.Stat) r).dir());
    }

    /** Changes the fields of {@code dir} that are not "don't touch" (see {@link Dir#dontTouch()}). */
    public CompletableFuture<Void> wstat(Dir dir) {
        return Op.map(send(tag -> new Tmessage.Wstat(tag, s.fid, dir)), r -> null);
    }

    /** Releases the fid. Its number is reused only once the server has answered. */
    public CompletableFuture<Void> clunk() {
        return release("clunked", tag -> new Tmessage.Clunk(tag, s.fid));
    }

    /** Removes the file; the fid is released whether or not the server could remove it (remove(5)). */
    public CompletableFuture<Void> remove() {
        return release("removed", tag -> new Tmessage.Remove(tag, s.fid));
    }

    private CompletableFuture<Void> release(String verb, IntFunction<Tmessage> request) {
        if (s.shared) {
            return Op.failed(sharedRoot(verb));
        }
        if (!s.clunked.compareAndSet(false, true)) {
            return Op.failed(new IllegalStateException("fid " + s.fid + " was already clunked or removed"));
        }
        Connection conn = s.conn;
        int fid = s.fid;
        return Op.map(conn.send(request, client.timeoutNanos(), (reply, delivered) -> freeIfAnswered(conn, fid, reply)),
                r -> null);
    }

    /** Clunks without anyone waiting: cleanup after failures and cancellations. */
    void clunkQuietly() {
        if (!s.shared && s.clunked.compareAndSet(false, true)) {
            clunkQuietly(s.conn, s.fid, client.timeoutNanos());
        }
    }

    static void clunkQuietly(Connection conn, int fid, long timeoutNanos) {
        conn.send(tag -> new Tmessage.Clunk(tag, fid), timeoutNanos, (reply, delivered) -> freeIfAnswered(conn, fid, reply));
    }

    private static void freeIfAnswered(Connection conn, int fid, Rmessage reply) {
        // Rclunk or Rerror: the fid is gone either way (clunk(5)). No answer (flushed, connection
        // gone): the server may still hold it, so its number is never handed out again.
        if (reply != null) {
            conn.fids.free(fid);
        }
    }

    // ------------------------------------------------------------------ helpers

    private CompletableFuture<Rmessage> send(IntFunction<Tmessage> request) {
        IllegalStateException gone = unusable();
        if (gone != null) {
            return Op.failed(gone);
        }
        return s.conn.send(request, client.timeoutNanos(), null);
    }

    private IllegalStateException unusable() {
        return s.clunked.get() ? new IllegalStateException("fid " + s.fid + " was clunked or removed") : null;
    }

    private static IllegalStateException sharedRoot(String verb) {
        return new IllegalStateException("the attach root is shared by the path operations and is never "
                + verb + "; walk() to a fid of your own first");
    }

    @Override
    public String toString() {
        return "fid " + s.fid + " " + s.qid + (s.open ? " open" : "") + " on " + s.conn.address;
    }
}
