package org.taskfs.coord.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
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

    /**
     * One run as kept here: copies of its output, filled by pumps from the member, its wait line, and what of
     * its output could not be copied (a full disk here, a limit there), which the wait line then tells.
     */
    record Copy(OutputLog stdout, OutputLog stderr, CompletableFuture<String> waitLine,
                java.util.concurrent.atomic.AtomicReference<String> loss) implements Run {
        Copy(OutputLog stdout, OutputLog stderr) {
            this(stdout, stderr, new CompletableFuture<>(), new java.util.concurrent.atomic.AtomicReference<>());
        }

        void lose(String what) {
            loss.accumulateAndGet(what, (a, b) -> a == null ? b : a);
        }

        /** The member's wait line, its message telling what of the output is missing here, if anything is. */
        String told(String line) {
            String missing = loss.get();
            if (missing == null) {
                return line;
            }
            List<String> f = PlanNineQuoting.tokenize(line);
            if (f.isEmpty()) {
                return line;
            }
            String message = f.get(f.size() - 1);
            String note = "output incomplete: " + missing;
            StringBuilder b = new StringBuilder();
            for (String word : f.subList(0, f.size() - 1)) {
                b.append(word).append(' ');
            }
            return b.append(PlanNineQuoting.quote(message.isEmpty() ? note : message + "; " + note)).toString();
        }

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
    /**
     * Its copies are the files {@code COPIES.runN.stdout} and {@code .stderr}, beside every other task's: no
     * directory of its own to make and remove (on some file systems each inode costs more than the process).
     */
    private final Path copies;
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

    /** Told when a run ends or an exec is refused: the part may let go of what only busy tasks need. */
    private final Runnable settled;

    RemoteTask(Member member, String owner, String remoteDir, Path copies, Scratch.Removals removals,
               Runnable settled) {
        this.member = member;
        this.settled = settled;
        this.owner = owner;
        this.remoteDir = remoteDir;
        this.copies = copies;
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

    /** Execs sent and not answered yet. */
    synchronized boolean execsOut() {
        return execsAsked > 0;
    }

    /** That exec started no run (refused, or its copies could not be made): readers keep the current one. */
    void execRefused() {
        CompletableFuture<Run> waiting;
        Copy current;
        boolean none;
        synchronized (this) {
            execsAsked = Math.max(0, execsAsked - 1);
            none = execsAsked == 0;
            waiting = none ? coming : null;
            coming = none ? null : coming;
            current = run;
        }
        if (waiting != null) {
            waiting.complete(current);
        }
        if (none) {
            settled.run();
        }
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
    public synchronized Run lastRun() {
        return run;
    }

    @Override
    public synchronized boolean isLost() {
        return lostReason != null;
    }

    /** Makes the files of the next run's copies. Blocks on the disk: for the disk executor. */
    synchronized Copy newCopy() throws IOException {
        int number = ++runs;
        return new Copy(OutputLog.open(copy(number, "stdout")), OutputLog.open(copy(number, "stderr")));
    }

    private Path copy(int run, String stream) {
        return copies.resolveSibling(copies.getFileName() + ".run" + run + "." + stream);
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
        r.waitLine.whenComplete((line, e) -> settled.run());
        if (r.waitLine.isDone()) {
            return;
        }
        CompletableFuture<Void> out = pump(r, r.stdout, "stdout");
        CompletableFuture<Void> err = pump(r, r.stderr, "stderr");
        pumpWait(r, CompletableFuture.allOf(out, err));
    }

    /**
     * Taken back after a restart, given its member's status line (null if none): a task that ran there is
     * followed again, its output copied from the start of the member's log, its wait line read there.
     */
    CompletableFuture<Void> resume(String statusLine) {
        if (statusLine == null) {
            return CompletableFuture.completedFuture(null);
        }
        statusSeen(statusLine);
        List<String> f = PlanNineQuoting.tokenize(statusLine.strip());
        if (f.size() != 5 || f.get(2).equals(TaskState.Closed.name())) {
            return CompletableFuture.completedFuture(null);
        }
        String command = "exec " + PlanNineQuoting.quote(f.get(4));
        return Disk.supply(this::newCopy).thenAccept(copy -> startRun(copy, command, false));
    }

    /** Copies one output of the run here; completes once all of it is in (or what could not be is told). */
    private CompletableFuture<Void> pump(Copy r, OutputLog log, String file) {
        // Readers get end of file once the output is all here and the run has ended here too, so that after
        // "cat stdout" the task is seen done (its status, a new exec) as on its member.
        CompletableFuture<Void> pumped = new CompletableFuture<>();
        pumped.whenComplete((v, x) -> r.waitLine.whenComplete((line, e) -> log.markComplete()));
        Consumer<String> lose = why -> {
            synchronized (this) {
                if (run != r || released) {
                    return; // a later exec or a release let this run's copy go: nobody reads it any more
                }
            }
            r.lose(file + ": " + why);
            if (!r.waitLine.isDone()) {
                // What it prints from now on would be lost: it is stopped, and its wait line says why.
                member.write(owner, remote("ctl"), "kill");
            }
            // Last: out of descriptors, the logger's first use can fail too, and the above must happen regardless.
            LOG.log(System.Logger.Level.WARNING, "output incomplete: {0}: {1}", file, why);
        };
        member.open(owner, remote(file), P9.OREAD, true).whenComplete((f, e) -> {
            if (e != null) {
                if (!(Failures.cause(e) instanceof StyxConnectionException)) {
                    lose.accept("cannot follow it on " + member.name() + ": " + Failures.text(e));
                }
                pumped.complete(null);
                return;
            }
            copy(f, log, lose, pumped, 0, CompletableFuture.completedFuture(null), new AtomicBoolean());
        });
        return pumped;
    }

    /**
     * Copies a remote stream into a local log until EOF, in order. The next read goes out while the chunk
     * before is appended; at most one append waits behind another, so a slow disk holds the reads back. A failed
     * append ends the copy at once, also while the next read waits for output that may never come.
     */
    private static void copy(RemoteFid from, OutputLog to, Consumer<String> lose, CompletableFuture<Void> pumped,
                             long offset, CompletableFuture<Void> appended, AtomicBoolean over) {
        from.read(offset, from.iounit()).whenComplete((b, e) -> {
            if (e != null || b.length == 0) {
                String unread = e != null && !(Failures.cause(e) instanceof StyxConnectionException)
                        ? "cannot read it after " + offset + " bytes: " + Failures.text(e) : null;
                // End of file only once everything read is in the log (a failed append has ended it already).
                appended.whenComplete((v, x) -> stop(over, from, pumped, lose, unread));
                return;
            }
            CompletableFuture<Void> next = appended.thenCompose(v -> to.appendLater(b));
            next.whenComplete((v, x) -> {
                if (x != null) {
                    stop(over, from, pumped, lose, cannotKeep(to, x));
                }
            });
            appended.whenComplete((v, x) -> {
                if (x == null && !over.get()) {
                    copy(from, to, lose, pumped, offset + b.length, next, over);
                }
            });
        });
    }

    /** Ends a copy, once: what is missing is told, the remote file let go, the pump done. */
    private static void stop(AtomicBoolean over, RemoteFid from, CompletableFuture<Void> pumped, Consumer<String> lose,
                             String missing) {
        if (over.compareAndSet(false, true)) {
            try {
                if (missing != null) {
                    lose.accept(missing);
                }
            } finally {
                from.clunk();
                pumped.complete(null);
            }
        }
    }

    /** An append failed: what is kept here, and why no more is. */
    private static String cannotKeep(OutputLog to, Throwable why) {
        long kept;
        try {
            kept = to.size();
        } catch (IOException e) {
            kept = 0;
        }
        return "cannot keep it here after " + kept + " bytes: " + Failures.text(why);
    }

    /**
     * Reads the run's wait line on the member. It is given here once the output is here too, so that a wait
     * line read here can tell what of the output could not be kept: nothing is lost silently.
     */
    private void pumpWait(Copy r, CompletableFuture<Void> pumped) {
        member.open(owner, remote("wait"), P9.OREAD, true)
                .thenCompose(f -> f.read(0, 1024).whenComplete((b, e) -> f.clunk()))
                .whenComplete((b, e) -> {
                    if (e == null) {
                        String line = new String(b, StandardCharsets.UTF_8).strip();
                        pumped.whenComplete((v, x) -> r.waitLine.complete(r.told(line)));
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
        List<Path> made = new ArrayList<>();
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            for (int n = 1; n <= runs; n++) {
                made.add(copy(n, "stdout"));
                made.add(copy(n, "stderr"));
            }
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
        removals.later(made);
    }

    @Override
    public String toString() {
        return member.name() + "!" + remoteDir;
    }
}
