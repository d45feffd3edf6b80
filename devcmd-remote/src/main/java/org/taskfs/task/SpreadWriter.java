package org.taskfs.task;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One open writer of a session's or a task's stdin (or stdio): each write reaches the leaves as the
 * session's input mode says, taken when the file was opened.
 * <ul>
 * <li>bcast: every write to every leaf;
 * <li>rr: whole lines dealt round-robin;
 * <li>hash: whole lines by a hash of their first field, so equal keys meet on one leaf.
 * </ul>
 * When the writer closes, every leaf's stdin is closed (a leaf that got nothing is told {@code eof}).
 */
public final class SpreadWriter {
    private final Session session;
    private final List<Leaf> leaves;
    private final Session.Input mode;
    private final Lines lines = new Lines();
    private int next;
    private boolean closed;

    /** @param task the task whose stdin this is, or -1 for the session's */
    public SpreadWriter(Session session, int task) {
        this.session = session;
        this.leaves = session.leaves(task);
        this.mode = task >= 0 ? Session.Input.BCAST : session.input();
        for (Leaf l : leaves) {
            l.stdinWriterOpened();
        }
    }

    public CompletableFuture<Integer> write(byte[] data) {
        if (leaves.isEmpty()) {
            return CompletableFuture.failedFuture(new org.taskfs.styx.server.StyxException(
                    "stdin: no tasks reserved; write \"res N\" first"));
        }
        List<CompletableFuture<Integer>> sent = new ArrayList<>();
        synchronized (this) {
            if (mode == Session.Input.BCAST) {
                for (Leaf l : leaves) {
                    sent.add(writeStdin(l, data));
                }
            } else {
                // The lines of one write are collected per task and sent as one write to each: a
                // write of thousands of short lines must not become thousands of requests at once.
                ByteArrayOutputStream[] dealt = new ByteArrayOutputStream[leaves.size()];
                lines.feed(data, line -> {
                    int target = target(line);
                    if (dealt[target] == null) {
                        dealt[target] = new ByteArrayOutputStream();
                    }
                    dealt[target].write(line, 0, line.length);
                });
                for (int t = 0; t < dealt.length; t++) {
                    if (dealt[t] != null) {
                        sent.add(writeStdin(leaves.get(t), dealt[t].toByteArray()));
                    }
                }
            }
        }
        return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).thenApply(v -> data.length);
    }

    private int target(byte[] line) {
        return mode == Session.Input.RR ? next++ % leaves.size()
                : Math.floorMod(hashOfFirstField(line), leaves.size());
    }

    private CompletableFuture<Integer> deal(byte[] line) {
        int target;
        synchronized (this) {
            target = target(line);
        }
        return writeStdin(leaves.get(target), line);
    }

    private CompletableFuture<Integer> writeStdin(Leaf l, byte[] data) {
        session.touch();
        return l.writeStdin(data);
    }

    /** FNV-1a of the first whitespace-separated field: stable across runs and machines. */
    static int hashOfFirstField(byte[] line) {
        int i = 0;
        while (i < line.length && (line[i] == ' ' || line[i] == '\t')) {
            i++;
        }
        int h = 0x811c9dc5;
        while (i < line.length && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' && line[i] != '\r') {
            h ^= line[i] & 0xff;
            h *= 0x01000193;
            i++;
        }
        return h;
    }

    /**
     * The last writer of the file: an unfinished line goes out, then every leaf sees EOF. Completes once that
     * line is written and the leaves are told (at once if already closed).
     */
    public CompletableFuture<Void> close() {
        byte[] rest;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.completedFuture(null);
            }
            closed = true;
            rest = lines.rest();
        }
        CompletableFuture<?> flushed = rest.length > 0 ? deal(Arrays.copyOf(rest, rest.length))
                : CompletableFuture.completedFuture(null);
        return flushed.handle((v, e) -> {
            for (Leaf l : leaves) {
                l.stdinWriterClosed();
            }
            return null;
        });
    }
}
