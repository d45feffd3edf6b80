package org.taskfs.coord.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxConnectionException;
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
    /** ARG0 of the last exec, for the status line of a lost task. */
    private String argv0;
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

    /** Its run has ended (or it was lost): it no longer holds a slot. */
    public synchronized boolean isFinished() {
        return lostReason != null || released || (run != null && run.waitLine.isDone());
    }

    synchronized boolean isRunning() {
        return run != null && !run.waitLine.isDone();
    }

    /**
     * Starts keeping a new run after an exec was sent: output pumps (unless the exec failed here)
     * and the wait line. Readers waiting for a run get this one.
     */
    void beginRun(boolean execStarted, String command) {
        LeafRun r;
        CompletableFuture<LeafRun> waiting;
        synchronized (this) {
            if (released) {
                return;
            }
            List<String> words = PlanNineQuoting.tokenize(command);
            argv0 = words.size() > 1 ? words.get(1) : "";
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
        // Readers get end of file once the output is all here and the run has ended here too, so
        // that after "cat stdout" the task is seen done (its status, a new exec) as on its node.
        Runnable complete = () -> r.waitLine.whenComplete((line, e) -> log.markComplete());
        member.open(remote(file), P9.OREAD, true).whenComplete((f, e) -> {
            if (e != null) {
                complete.run();
                LOG.log(System.Logger.Level.DEBUG, "{0}: cannot open {1}: {2}", member.name(), file, e.toString());
                return;
            }
            new Pump(f, log, complete).next(0);
        });
    }

    /** Copies a remote stream into a local log until EOF; reads that complete at once loop, not recurse. */
    private static final class Pump {
        private final RemoteFid from;
        private final OutputLog to;
        private final Runnable complete;

        Pump(RemoteFid from, OutputLog to, Runnable complete) {
            this.from = from;
            this.to = to;
            this.complete = complete;
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
                complete.run();
                return false;
            }
            try {
                to.append(b);
                return true;
            } catch (IOException io) {
                LOG.log(System.Logger.Level.WARNING, "cannot keep output: {0}", io.toString());
                from.clunk();
                complete.run();
                return false;
            }
        }
    }

    private void pumpWait(LeafRun r) {
        member.open(remote("wait"), P9.OREAD, true)
                .thenCompose(f -> f.read(0, 1024).whenComplete((b, e) -> f.clunk()))
                .whenComplete((b, e) -> {
                    if (e == null) {
                        // The process has ended but its output may still be on its way here: the
                        // pumps complete the logs when they reach the end, not the wait line.
                        r.waitLine.complete(new String(b, StandardCharsets.UTF_8).strip());
                        return;
                    }
                    if (Failures.cause(e) instanceof StyxConnectionException) {
                        // The connection went before the pool heard of it: the member is lost,
                        // and this leaf with it, whichever notices first.
                        lost("connection lost");
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
        } else {
            // Lost before any exec: readers waiting for a first run get an ended one, not silence.
            beginRun(false, "");
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

    /**
     * The last known line with its state replaced by Lost; what was never read is made up from
     * what the coordinator knows: the task number in its directory's name and the last exec's ARG0.
     */
    private String lostStatus() {
        List<String> f = lastStatus == null ? List.of() : PlanNineQuoting.tokenize(lastStatus.strip());
        boolean known = f.size() == 5;
        String cmd = known ? f.get(0) : "cmd/" + remoteDir.substring(remoteDir.lastIndexOf('/') + 1);
        String refs = known ? f.get(1) : "0";
        String dir = known ? f.get(3) : "";
        String arg0 = argv0 != null ? argv0 : known ? f.get(4) : "";
        return cmd + " " + refs + " " + TaskState.Lost + " " + PlanNineQuoting.quote(dir) + " "
                + PlanNineQuoting.quote(arg0) + "\n";
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
        CompletableFuture<LeafRun> waiting;
        synchronized (this) {
            released = true;
            r = run;
            waiting = nextRun;
            sf = statusFile;
            in = stdin;
            statusFile = null;
            stdin = null;
        }
        if (r != null) {
            r.end("0 0 0 0 released");
            r.close();
        }
        // No run will come now: readers waiting for one end.
        waiting.completeExceptionally(new org.taskfs.styx.server.StyxException("task " + path + " has been released"));
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
