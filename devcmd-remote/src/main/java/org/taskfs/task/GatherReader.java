package org.taskfs.task;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.util.Futures;

/**
 * One open gathered file (stdout, stderr, stdio) of a session or a task: the tasks' output merged
 * as the session's output mode says, taken when the file was opened.
 * <ul>
 * <li>ordered: exactly {@code cat 0/stdout 1/stdout …}, each leaf to its end before the next;
 * <li>lines: whole lines in the order they arrive, never split or interleaved;
 * <li>tagged: the same, each line prefixed by the task's number and {@code ": "}.
 * </ul>
 * Reads follow one another (a later read waits for the one before); a read at offset 0 after
 * others starts over, one at an offset further on skips to it.
 */
public final class GatherReader {
    /** Complete lines held for a slow reader before the leaves are read further. */
    private static final int READ_AHEAD = 1 << 20;

    private final List<Leaf> leaves;
    /** The number of leaves.get(0) in its session, for tags. */
    private final int firstNumber;
    private final boolean stderr;
    private final Session.Output mode;
    /** Waits for each leaf's next run even if no exec is asked yet (a splice source), not only a coming one. */
    private final boolean nextRun;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private Cursor cursor;

    /** @param task the task whose file this is, or -1 for the session's */
    public GatherReader(Session session, int task, boolean stderr) {
        this(session, task, stderr, false);
    }

    /** @param nextRun wait for a run of a leaf that has none and none asked: xsplice's source */
    GatherReader(Session session, int task, boolean stderr, boolean nextRun) {
        this.nextRun = nextRun;
        this.leaves = session.leaves(task);
        this.firstNumber = Math.max(task, 0);
        this.stderr = stderr;
        this.mode = task >= 0 ? Session.Output.ORDERED : session.output();
        this.cursor = newCursor();
    }

    private Cursor newCursor() {
        return mode == Session.Output.ORDERED ? new Ordered() : new InArrivalOrder(mode == Session.Output.TAGGED);
    }

    public synchronized CompletableFuture<byte[]> read(long offset, int count) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Futures.settled(tail).thenRun(() -> {
            Cursor c;
            synchronized (this) {
                if (offset < cursor.position()) {
                    cursor.close();
                    cursor = newCursor();
                }
                c = cursor;
            }
            skipTo(c, offset).thenCompose(x -> c.read(count)).whenComplete((b, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(b);
                }
            });
        });
        tail = result;
        return result;
    }

    /**
     * Reads and drops what comes before {@code offset}: a reader resuming at its offset on a new fid (a client
     * re-dialling a restarted server) gets what follows what it had, not the stream from its start.
     */
    private static CompletableFuture<Void> skipTo(Cursor c, long offset) {
        long gap = offset - c.position();
        if (gap <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        return c.read((int) Math.min(gap, 64 * 1024)).thenCompose(b -> b.length == 0
                ? CompletableFuture.<Void>completedFuture(null) : skipTo(c, offset));
    }

    /** The handle is clunked: pending reads are dropped. */
    public synchronized void close() {
        cursor.close();
    }

    private OutputLog log(Run r) {
        return r.log(stderr);
    }

    private CompletableFuture<Run> runOf(Leaf l) {
        return nextRun ? l.currentOrNextRun() : l.runToRead();
    }

    /** A leaf with no run (never ran, none coming) or none to come (released) has no output. */
    private CompletableFuture<byte[]> readOf(Run r, long offset, int count) {
        return r == null ? CompletableFuture.completedFuture(new byte[0]) : log(r).read(offset, count);
    }

    private abstract static class Cursor {
        long position;

        long position() {
            return position;
        }

        abstract CompletableFuture<byte[]> read(int count);

        void close() {}
    }

    /** Leaf after leaf, each to its end. */
    private final class Ordered extends Cursor {
        private int index;
        private long offset;
        private final List<CompletableFuture<Run>> runs = new ArrayList<>();

        @Override
        CompletableFuture<byte[]> read(int count) {
            if (index >= leaves.size()) {
                return CompletableFuture.completedFuture(new byte[0]);
            }
            while (runs.size() <= index) {
                runs.add(runOf(leaves.get(runs.size())));
            }
            // A leaf without output to come has no more: on to the next.
            return runs.get(index).handle((r, e) -> e != null ? null : r)
                    .thenCompose(r -> readOf(r, offset, count)).thenCompose(b -> {
                if (b.length == 0) {
                    index++;
                    offset = 0;
                    return read(count);
                }
                offset += b.length;
                position += b.length;
                return CompletableFuture.completedFuture(b);
            });
        }
    }

    /** Whole lines from all leaves as they arrive. */
    private final class InArrivalOrder extends Cursor {
        private final boolean tagged;
        private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
        private long readyBytes;
        private final Source[] sources;
        private CompletableFuture<Void> arrival = new CompletableFuture<>();
        private boolean closed;

        /** One leaf's stream: its offset, its unfinished line, whether a read of it is out. */
        private final class Source {
            final Leaf leaf;
            final byte[] tag;
            CompletableFuture<Run> run;
            long offset;
            final Lines lines = new Lines();
            boolean reading;
            boolean ended;

            Source(Leaf leaf, int number) {
                this.leaf = leaf;
                this.tag = (number + ": ").getBytes(StandardCharsets.UTF_8);
            }
        }

        InArrivalOrder(boolean tagged) {
            this.tagged = tagged;
            this.sources = new Source[leaves.size()];
            for (int i = 0; i < sources.length; i++) {
                sources[i] = new Source(leaves.get(i), firstNumber + i);
            }
        }

        @Override
        CompletableFuture<byte[]> read(int count) {
            CompletableFuture<Void> wake;
            synchronized (this) {
                if (!ready.isEmpty()) {
                    return CompletableFuture.completedFuture(take(count));
                }
                boolean allEnded = true;
                for (Source s : sources) {
                    allEnded &= s.ended;
                }
                if (allEnded) {
                    return CompletableFuture.completedFuture(new byte[0]);
                }
                if (arrival.isDone()) {
                    arrival = new CompletableFuture<>();
                }
                wake = arrival;
            }
            pull();
            return wake.thenCompose(v -> read(count));
        }

        /** Up to count bytes of ready lines; a line longer than count is the only one split. */
        private byte[] take(int count) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(count, (int) Math.min(readyBytes, count)));
            while (!ready.isEmpty() && out.size() < count) {
                byte[] line = ready.peekFirst();
                int room = count - out.size();
                if (line.length <= room) {
                    out.write(line, 0, line.length);
                    ready.removeFirst();
                    readyBytes -= line.length;
                } else if (out.size() == 0) {
                    out.write(line, 0, room);
                    ready.removeFirst();
                    ready.addFirst(Arrays.copyOfRange(line, room, line.length));
                    readyBytes -= room;
                } else {
                    break;
                }
            }
            position += out.size();
            if (readyBytes < READ_AHEAD) {
                pull();
            }
            return out.toByteArray();
        }

        /** Starts a read of every leaf that has none out, while there is room for more lines. */
        private void pull() {
            List<Source> start = new ArrayList<>();
            synchronized (this) {
                if (closed || readyBytes >= READ_AHEAD) {
                    return;
                }
                for (Source s : sources) {
                    if (!s.reading && !s.ended) {
                        s.reading = true;
                        if (s.run == null) {
                            s.run = runOf(s.leaf);
                        }
                        start.add(s);
                    }
                }
            }
            for (Source s : start) {
                long at;
                synchronized (this) {
                    at = s.offset;
                }
                s.run.thenCompose(r -> readOf(r, at, 64 * 1024)).whenComplete((b, e) -> arrived(s, b, e));
            }
        }

        private void arrived(Source s, byte[] b, Throwable e) {
            CompletableFuture<Void> wake;
            synchronized (this) {
                s.reading = false;
                if (e != null || b.length == 0) {
                    s.ended = true;
                    byte[] rest = s.lines.rest();
                    if (rest.length > 0) {
                        // A last line without a newline still ends as a line of its own.
                        byte[] line = Arrays.copyOf(rest, rest.length + 1);
                        line[rest.length] = '\n';
                        emit(s, line);
                    }
                } else {
                    s.offset += b.length;
                    s.lines.feed(b, line -> emit(s, line));
                }
                wake = arrival;
            }
            wake.complete(null);
            pull();
        }

        private void emit(Source s, byte[] line) {
            byte[] out = line;
            if (tagged) {
                out = new byte[s.tag.length + line.length];
                System.arraycopy(s.tag, 0, out, 0, s.tag.length);
                System.arraycopy(line, 0, out, s.tag.length, line.length);
            }
            ready.addLast(out);
            readyBytes += out.length;
        }

        @Override
        synchronized void close() {
            closed = true;
        }
    }
}
