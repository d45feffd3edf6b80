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
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.Disk;
import org.taskfs.task.Leaf;
import org.taskfs.task.OutputLog;
import org.taskfs.task.Run;
import org.taskfs.task.Scratch;
import org.taskfs.task.TaskState;

/**
 * A task of a session on a member: a node's task, or a task of a mounted coordinator, reached at its
 * directory there. Each run is copied here as it is written (stdout, stderr and the wait line), so readers
 * are served locally and what arrived survives the member's loss. Thread-safe.
 */
final class RemoteTask implements Leaf, Member.Occupant {
    private static final System.Logger LOG = System.getLogger(RemoteTask.class.getName());

    /** One run as kept here: copies of its output, filled by pumps from the member, and its wait line. */
    record Copy(OutputLog stdout, OutputLog stderr, CompletableFuture<String> waitLine) implements Run {
        /** Ends the run as far as readers care: logs complete, wait line given if it was not. */
        void end(String line) {
            stdout.markComplete();
            stderr.markComplete();
            waitLine.complete(line);
        }

        void close() {
            stdout.close();
            stderr.close();
        }
    }

    private final Member member;
    private final String remoteDir;
    private final Path scratch;
    private final Scratch.Removals removals;

    private Copy run;
    private int runs;
    private CompletableFuture<Run> nextRun = new CompletableFuture<>();
    /** Execs sent to the member and not answered yet: readers wait for the run they start. */
    private int execsAsked;
    /** What readers opened while an exec is out wait on: its run, or, if it is refused, the current one. */
    private CompletableFuture<Run> coming;
    private String lostReason;
    /** The member's last status line for it, for the line shown once it is lost. */
    private String lastStatus;
    /** ARG0 of the last exec, for the status line of a lost task. */
    private String argv0;
    private CompletableFuture<RemoteFid> stdin;
    private int stdinWriters;
    private boolean released;
    /** The session's owner: the member's session is theirs, so its files are opened as them. */
    private final String owner;

    RemoteTask(Member member, String owner, String remoteDir, Path scratch, Scratch.Removals removals) {
        this.member = member;
        this.owner = owner;
        this.remoteDir = remoteDir;
        this.scratch = scratch;
        this.removals = removals;
    }

    Member member() {
        return member;
    }

    /** The task's directory on its member, e.g. {@code /7/2}. */
    String remoteDir() {
        return remoteDir;
    }

    String remote(String file) {
        return remoteDir + "/" + file;
    }

    // ------------------------------------------------------------------ runs

    @Override
    public synchronized CompletableFuture<Run> runToRead() {
        if (released) {
            return CompletableFuture.failedFuture(new StyxException("task " + remoteDir + " has been released"));
        }
        if (execsAsked > 0) {
            if (coming == null) {
                coming = new CompletableFuture<>();
            }
            return coming;
        }
        return CompletableFuture.completedFuture(run);
    }

    /** An exec is sent to the member (MemberPart.command): a run is coming until it is answered. */
    synchronized void execAsked() {
        execsAsked++;
    }

    /** That exec started no run (refused, or its copies could not be made): readers keep the current one. */
    void execRefused() {
        CompletableFuture<Run> waiting;
        Copy current;
        synchronized (this) {
            execsAsked = Math.max(0, execsAsked - 1);
            if (execsAsked > 0 || coming == null) {
                return;
            }
            waiting = coming;
            coming = null;
            current = run;
        }
        waiting.complete(current);
    }

    @Override
    public synchronized CompletableFuture<Run> currentOrNextRun() {
        if (released) {
            return CompletableFuture.failedFuture(new StyxException("task " + remoteDir + " has been released"));
        }
        return run != null ? CompletableFuture.completedFuture(run) : nextRun;
    }

    @Override
    public synchronized boolean holdsSlot() {
        return lostReason == null && !released && (run == null || !run.waitLine.isDone());
    }

    @Override
    public synchronized boolean isRunning() {
        return run != null && !run.waitLine.isDone();
    }

    @Override
    public synchronized boolean isLost() {
        return lostReason != null;
    }

    /** Makes the files of the next run's copies. Blocks on the disk: for the disk executor. */
    synchronized Copy newCopy() throws IOException {
        Files.createDirectories(scratch);
        int number = ++runs;
        return new Copy(OutputLog.open(scratch.resolve("run" + number + ".stdout")),
                OutputLog.open(scratch.resolve("run" + number + ".stderr")), new CompletableFuture<>());
    }

    /**
     * An exec was answered by the member: the run it started there is copied from now on. Readers waiting for
     * a run get this one.
     */
    void beginRun(Copy r, String command) {
        startRun(r, command, true);
    }

    /** @param answered an exec's answer begins it (not the loss), so one fewer is out */
    private void startRun(Copy r, String command, boolean answered) {
        CompletableFuture<Run> waiting;
        CompletableFuture<Run> readers;
        Copy previous;
        synchronized (this) {
            if (answered) {
                execsAsked = Math.max(0, execsAsked - 1);
            }
            if (released) {
                r.close();
                return;
            }
            List<String> words = PlanNineQuoting.tokenize(command);
            argv0 = words.size() > 1 ? words.get(1) : "";
            previous = run;
            run = r;
            waiting = nextRun;
            nextRun = new CompletableFuture<>();
            readers = coming;
            coming = null;
            if (lostReason != null) {
                r.end(lostLine());
            }
        }
        if (previous != null) {
            previous.close();
        }
        waiting.complete(r);
        if (readers != null) {
            readers.complete(r);
        }
        if (r.waitLine.isDone()) {
            return;
        }
        pump(r, r.stdout, "stdout");
        pump(r, r.stderr, "stderr");
        pumpWait(r);
    }

    private void pump(Copy r, OutputLog log, String file) {
        // Readers get end of file once the output is all here and the run has ended here too, so that after
        // "cat stdout" the task is seen done (its status, a new exec) as on its member.
        Runnable complete = () -> r.waitLine.whenComplete((line, e) -> log.markComplete());
        member.open(owner, remote(file), P9.OREAD, true).whenComplete((f, e) -> {
            if (e != null) {
                complete.run();
                LOG.log(System.Logger.Level.DEBUG, "{0}: cannot open {1}: {2}", member.name(), file, e.toString());
                return;
            }
            copy(f, log, complete, 0, CompletableFuture.completedFuture(null));
        });
    }

    /**
     * Copies a remote stream into a local log until EOF, in order. The next read goes out while the chunk
     * before is appended; at most one append waits behind another, so a slow disk holds the reads back.
     */
    private static void copy(RemoteFid from, OutputLog to, Runnable complete, long offset,
                             CompletableFuture<Void> appended) {
        from.read(offset, from.iounit()).whenComplete((b, e) -> {
            if (e != null || b.length == 0) {
                if (e != null && !(Failures.cause(e) instanceof StyxConnectionException)) {
                    LOG.log(System.Logger.Level.WARNING, "cannot copy output: {0}", Failures.text(e));
                }
                // End of file only once everything read is in the log.
                appended.whenComplete((v, x) -> {
                    from.clunk();
                    complete.run();
                });
                return;
            }
            CompletableFuture<Void> next = appended.thenCompose(v -> to.appendLater(b));
            appended.whenComplete((v, x) -> {
                if (x != null) {
                    LOG.log(System.Logger.Level.WARNING, "cannot keep output: {0}", Failures.text(x));
                    from.clunk();
                    complete.run();
                } else {
                    copy(from, to, complete, offset + b.length, next);
                }
            });
        });
    }

    private void pumpWait(Copy r) {
        member.open(owner, remote("wait"), P9.OREAD, true)
                .thenCompose(f -> f.read(0, 1024).whenComplete((b, e) -> f.clunk()))
                .whenComplete((b, e) -> {
                    if (e == null) {
                        // The process has ended but its output may still be on its way here: the pumps
                        // complete the logs when they reach the end, not the wait line.
                        r.waitLine.complete(new String(b, StandardCharsets.UTF_8).strip());
                        return;
                    }
                    Throwable why = Failures.cause(e);
                    if (why instanceof StyxConnectionException) {
                        // The connection went before the pool heard of it: the member is lost, and this task
                        // with it, whichever notices first.
                        lost("connection lost");
                    } else if (why instanceof StyxRemoteException remote && remote.error().equals(Errors.NOT_FOUND)) {
                        // It answers but has no such task: it was restarted, or let the session go.
                        lost("it no longer knows the task " + remoteDir);
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
    @Override
    public void lost(String reason) {
        Copy r;
        synchronized (this) {
            if (lostReason != null || released) {
                return;
            }
            lostReason = reason;
            r = run;
        }
        if (r != null) {
            r.end(lostLine());
            return;
        }
        // Lost before any exec: readers and a waiting splice get an ended run that says so, not silence.
        Disk.supply(this::newCopy).whenComplete((ended, e) -> {
            if (e == null) {
                startRun(ended, "", false);
            } else {
                CompletableFuture<Run> waiting;
                synchronized (this) {
                    waiting = nextRun;
                }
                waiting.completeExceptionally(new StyxException(lostLine()));
            }
        });
    }

    // ------------------------------------------------------------------ status

    /** Keeps the member's latest status line for it. */
    synchronized void statusSeen(String line) {
        lastStatus = line;
    }

    /** The last known line with its state replaced by Lost. */
    synchronized String lostStatus() {
        return statusAs(TaskState.Lost);
    }

    /**
     * The line shown while its member is unreachable: the member's last line for it, its state as this
     * coordinator knows it now (a run copied here and not ended is Execute, one ended is not).
     */
    synchronized String knownStatus() {
        if (lostReason != null) {
            return lostStatus();
        }
        TaskState last = lastState();
        TaskState now;
        if (isRunning()) {
            now = TaskState.Execute;
        } else if (run == null) {
            now = last != null ? last : TaskState.Closed;
        } else {
            now = last != null && last != TaskState.Execute ? last : TaskState.Done;
        }
        return statusAs(now);
    }

    private TaskState lastState() {
        List<String> f = lastStatus == null ? List.of() : PlanNineQuoting.tokenize(lastStatus.strip());
        try {
            return f.size() == 5 ? TaskState.valueOf(f.get(2)) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The last known line with another state; what was never read is made up from what the coordinator
     * knows: the task number in its directory's name and the last exec's ARG0.
     */
    private String statusAs(TaskState state) {
        List<String> f = lastStatus == null ? List.of() : PlanNineQuoting.tokenize(lastStatus.strip());
        boolean known = f.size() == 5;
        String cmd = known ? f.get(0) : "cmd/" + remoteDir.substring(remoteDir.lastIndexOf('/') + 1);
        String refs = known ? f.get(1) : "0";
        String dir = known ? f.get(3) : "";
        String arg0 = argv0 != null ? argv0 : known ? f.get(4) : "";
        return cmd + " " + refs + " " + state + " " + PlanNineQuoting.quote(dir) + " "
                + PlanNineQuoting.quote(arg0) + "\n";
    }

    // ------------------------------------------------------------------ stdin

    @Override
    public synchronized void stdinWriterOpened() {
        stdinWriters++;
    }

    /**
     * The last local writer gone: the remote stdin fid is clunked, so the task sees EOF; a task that was
     * written nothing is told {@code eof} instead.
     */
    @Override
    public void stdinWriterClosed() {
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
            member.write(owner, remote("ctl"), "eof");
        }
    }

    /** Writes to the task's stdin, in iounit-sized pieces, in order. */
    @Override
    public CompletableFuture<Integer> writeStdin(byte[] data) {
        CompletableFuture<RemoteFid> f;
        synchronized (this) {
            if (stdin == null) {
                stdin = member.open(owner, remote("stdin"), P9.OWRITE, true);
            }
            f = stdin;
        }
        return f.thenCompose(file -> file.writeAll(0, data)).thenApply(n -> data.length);
    }

    // ------------------------------------------------------------------ lifetime

    /** Forgets the task here: readers end, remote files are let go, the copies removed. */
    void release() {
        Copy r;
        CompletableFuture<RemoteFid> in;
        CompletableFuture<Run> waiting;
        CompletableFuture<Run> readers;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            r = run;
            waiting = nextRun;
            readers = coming;
            coming = null;
            in = stdin;
            stdin = null;
        }
        if (r != null) {
            r.end("0 0 0 0 released");
            r.close();
        }
        // No run will come now: readers waiting for one end.
        waiting.completeExceptionally(new StyxException("task " + remoteDir + " has been released"));
        if (readers != null) {
            readers.completeExceptionally(new StyxException("task " + remoteDir + " has been released"));
        }
        if (in != null) {
            in.thenAccept(RemoteFid::clunk);
        }
        removals.later(scratch);
    }

    @Override
    public String toString() {
        return member.name() + "!" + remoteDir;
    }
}
