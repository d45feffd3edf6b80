package org.taskfs.coord.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.node.exec.OutputLog;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.TaskState;

/**
 * A task that runs a process: a node's task, reached directly or through a mounted coordinator.
 * The session gathers and spreads over its leaves. Thread-safe.
 */
public final class Leaf implements TaskView {
    private static final System.Logger LOG = System.getLogger(Leaf.class.getName());

    private final Member member;
    private final String remoteDir;
    private final String path;
    private final Path scratch;

    private LeafRun run;
    private int runs;
    private CompletableFuture<LeafRun> nextRun = new CompletableFuture<>();
    private String lostReason;
    private String lastStatus;
    private CompletableFuture<RemoteFid> statusFile;
    private CompletableFuture<RemoteFid> stdin;
    private int stdinWriters;
    private boolean released;

    Leaf(Member member, String remoteDir, String path, Path scratch) {
        this.member = member;
        this.remoteDir = remoteDir;
        this.path = path;
        this.scratch = scratch;
    }

    public Member member() {
        return member;
    }

    /** The task's directory on its member, e.g. {@code /7}. */
    public String remoteDir() {
        return remoteDir;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<Leaf> leaves() {
        return List.of(this);
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    String remote(String file) {
        return remoteDir + "/" + file;
    }

    // ------------------------------------------------------------------ runs

    /** The run readers see now, or the next one once an exec starts it. */
    public synchronized CompletableFuture<LeafRun> currentOrNextRun() {
        if (run != null) {
            return CompletableFuture.completedFuture(run);
        }
        return nextRun;
    }

    synchronized boolean isRunning() {
        return run != null && !run.waitLine.isDone();
    }

    /**
     * Starts keeping a new run after an exec was sent: output pumps (unless the exec failed here)
     * and the wait line. Readers waiting for a run get this one.
     */
    void beginRun(boolean execStarted) {
        LeafRun r;
        CompletableFuture<LeafRun> waiting;
        synchronized (this) {
            if (released) {
                return;
            }
            try {
                Files.createDirectories(scratch);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            r = new LeafRun(scratch, ++runs);
            if (run != null) {
                run.close();
            }
            run = r;
            waiting = nextRun;
            nextRun = new CompletableFuture<>();
            if (lostReason != null) {
                r.end(lostLine());
            }
        }
        waiting.complete(r);
        if (r.waitLine.isDone()) {
            return;
        }
        if (execStarted) {
            pump(r, r.stdout, "stdout");
            pump(r, r.stderr, "stderr");
        } else {
            r.stdout.markComplete();
            r.stderr.markComplete();
        }
        pumpWait(r);
    }

    private void pump(LeafRun r, OutputLog log, String file) {
        member.open(remote(file), P9.OREAD, true).whenComplete((f, e) -> {
            if (e != null) {
                log.markComplete();
                LOG.log(System.Logger.Level.DEBUG, "{0}: cannot open {1}: {2}", member.name(), file, e.toString());
                return;
            }
            new Pump(f, log).next(0);
        });
    }

    /** Copies a remote stream into a local log until EOF; reads that complete at once loop, not recurse. */
    private static final class Pump {
        private final RemoteFid from;
        private final OutputLog to;

        Pump(RemoteFid from, OutputLog to) {
            this.from = from;
            this.to = to;
        }

        void next(long offset) {
            long at = offset;
            while (true) {
                CompletableFuture<byte[]> f = from.read(at, from.iounit());
                if (!f.isDone()) {
                    long resume = at;
                    f.whenComplete((b, e) -> {
                        if (take(b, e)) {
                            next(resume + b.length);
                        }
                    });
                    return;
                }
                byte[] b;
                Throwable e = null;
                try {
                    b = f.join();
                } catch (RuntimeException x) {
                    b = null;
                    e = x;
                }
                if (!take(b, e)) {
                    return;
                }
                at += b.length;
            }
        }

        /** Keeps a chunk; false at the end of the stream. */
        private boolean take(byte[] b, Throwable e) {
            if (e != null || b.length == 0) {
                from.clunk();
                to.markComplete();
                return false;
            }
            try {
                to.append(b);
                return true;
            } catch (IOException io) {
                LOG.log(System.Logger.Level.WARNING, "cannot keep output: {0}", io.toString());
                from.clunk();
                to.markComplete();
                return false;
            }
        }
    }

    private void pumpWait(LeafRun r) {
        member.open(remote("wait"), P9.OREAD, true)
                .thenCompose(f -> f.read(0, 1024).whenComplete((b, e) -> f.clunk()))
                .whenComplete((b, e) -> {
                    if (e == null) {
                        // The process has exited, but its last output may still be on its way
                        // here: the stdout and stderr pumps complete the copies when they reach
                        // the node's EOF. Completing them now would cut what readers get.
                        r.waitLine.complete(new String(b, StandardCharsets.UTF_8).strip());
                        return;
                    }
                    String line;
                    synchronized (this) {
                        line = lostReason != null ? lostLine() : "0 0 0 0 "
                                + PlanNineQuoting.quote("wait failed: " + Failures.text(e));
                    }
                    r.end(line);
                });
    }

    private String lostLine() {
        return "0 0 0 0 " + PlanNineQuoting.quote("node lost: " + member.name() + ": " + lostReason);
    }

    /** The member is gone: readers get what arrived and EOF, waiters get "node lost". */
    public void lost(String reason) {
        LeafRun r;
        synchronized (this) {
            if (lostReason != null) {
                return;
            }
            lostReason = reason;
            r = run;
        }
        if (r != null) {
            r.end(lostLine());
        }
    }

    public synchronized boolean isLost() {
        return lostReason != null;
    }

    // ------------------------------------------------------------------ status

    /** The leaf's status line, from the member, or its last known one marked Lost. */
    CompletableFuture<String> status() {
        CompletableFuture<RemoteFid> sf;
        synchronized (this) {
            if (lostReason != null) {
                return CompletableFuture.completedFuture(lostStatus());
            }
            if (statusFile == null) {
                statusFile = member.open(remote("status"), P9.OREAD, false);
            }
            sf = statusFile;
        }
        return sf.thenCompose(f -> f.read(0, f.iounit())).handle((b, e) -> {
            synchronized (this) {
                if (e == null) {
                    lastStatus = new String(b, StandardCharsets.UTF_8);
                    return lastStatus;
                }
                statusFile = null;
                if (lostReason != null) {
                    return lostStatus();
                }
            }
            throw new java.util.concurrent.CompletionException(e);
        });
    }

    /** The last known line with its state replaced by Lost. */
    private String lostStatus() {
        if (lastStatus == null) {
            return "cmd/? 0 " + TaskState.Lost + " '' ''\n";
        }
        String[] f = lastStatus.split(" ", 4);
        return f.length == 4 ? f[0] + " " + f[1] + " " + TaskState.Lost + " " + f[3] : lastStatus;
    }

    // ------------------------------------------------------------------ stdin

    synchronized void stdinWriterOpened() {
        stdinWriters++;
    }

    /**
     * The last local writer gone: the remote stdin fid is clunked, so the task sees EOF; a task
     * that was written nothing is told {@code eof} instead.
     */
    void stdinWriterClosed() {
        CompletableFuture<RemoteFid> f;
        synchronized (this) {
            if (--stdinWriters > 0 || released) {
                return;
            }
            f = stdin;
            stdin = null;
        }
        if (f != null) {
            f.thenAccept(RemoteFid::clunk);
        } else {
            member.write(remote("ctl"), "eof");
        }
    }

    /** Writes to the task's stdin, in iounit-sized pieces, in order. */
    CompletableFuture<Integer> writeStdin(byte[] data) {
        CompletableFuture<RemoteFid> f;
        synchronized (this) {
            if (stdin == null) {
                stdin = member.open(remote("stdin"), P9.OWRITE, true);
            }
            f = stdin;
        }
        return f.thenCompose(file -> file.writeAll(0, data)).thenApply(n -> data.length);
    }

    // ------------------------------------------------------------------ lifetime

    void release() {
        LeafRun r;
        CompletableFuture<RemoteFid> sf;
        CompletableFuture<RemoteFid> in;
        synchronized (this) {
            released = true;
            r = run;
            sf = statusFile;
            in = stdin;
            statusFile = null;
            stdin = null;
        }
        if (r != null) {
            r.end("0 0 0 0 released");
            r.close();
        }
        if (sf != null) {
            sf.thenAccept(RemoteFid::clunk);
        }
        if (in != null) {
            in.thenAccept(RemoteFid::clunk);
        }
    }

    @Override
    public String toString() {
        return path + " on " + member.name() + "!" + remoteDir;
    }
}
