package org.taskfs.node.task;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.taskfs.node.exec.Credentials;
import org.taskfs.node.exec.ExitStatus;
import org.taskfs.node.exec.RunningProcess;
import org.taskfs.node.exec.SpawnException;
import org.taskfs.node.exec.SpawnSpec;
import org.taskfs.node.exec.Spawner;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.styx.util.Futures;
import org.taskfs.task.Accounts;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.Leaf;
import org.taskfs.task.OutputLog;
import org.taskfs.task.Run;
import org.taskfs.task.TaskState;
import org.taskfs.task.WorkDir;

/**
 * One task of a node: a scratch directory and at most one process running at a time (a new exec on a finished
 * task starts a new run). Numbered node-wide ({@code cmd/K} of its status line, its scratch directory); it
 * lives until its session releases it. Thread-safe: requests of several connections reach it.
 */
final class LocalTask implements Leaf {
    /** Bytes written to stdin before exec that are kept for the coming run. */
    static final int STDIN_BEFORE_EXEC_LIMIT = 16 << 20;

    /** devcmd's words for a write nobody will read, and then the plain ones. */
    static final String HUNGUP = "i/o on hungup channel: the task's stdin is closed (its process has exited, "
            + "or eof was written)";

    /** A run of a process, or of an exec that failed (empty logs, the failure as its wait line). */
    private record ProcessRun(OutputLog stdout, OutputLog stderr, RunningProcess process,
                              CompletableFuture<String> waitLine) implements Run {}

    private final int id;
    /** Its private working directory, made by the first run that starts in it. */
    private final Path scratch;
    /**
     * Where its runs' output logs are kept in the node's spool, away from its working directory: files named
     * {@code SPOOL.runN.stdout} and {@code .stderr} beside every other task's. No directory of its own: on some
     * file systems each inode made and removed costs more than the process it is for.
     */
    private final Path spool;
    private final Spawner spawner;
    private final Executor spawnExecutor;

    private TaskState state = TaskState.Closed;
    private int stdinWriters;
    /** A stdin writer came while nothing ran: if all such writers are gone by exec, the run starts at EOF. */
    private boolean stdinWriterBeforeExec;
    private boolean released;

    private ProcessRun run;
    /** Earlier runs' processes: released with the task, so what they left running is killed too. */
    private final List<RunningProcess> pastRuns = new ArrayList<>();
    private int runs;
    private String argv0 = "";
    private Path runDir;
    /** Completes when the next run starts: readers that opened before it wait on this. */
    private CompletableFuture<Run> nextRun = new CompletableFuture<>();
    private final ByteArrayOutputStream stdinBeforeExec = new ByteArrayOutputStream();
    private boolean eofBeforeExec;
    /**
     * An exec was accepted and its process is being spawned: the task counts as running, but input and EOF that
     * come meanwhile are kept for the new process, not given to the last one.
     */
    private boolean spawning;

    LocalTask(int id, Path scratch, Path spool, Spawner spawner, Executor spawnExecutor) {
        this.id = id;
        this.scratch = scratch;
        this.spool = spool;
        this.spawner = spawner;
        this.spawnExecutor = spawnExecutor;
    }

    int id() {
        return id;
    }

    Path scratch() {
        return scratch;
    }

    /** The output logs of every run so far. */
    synchronized List<Path> logs() {
        List<Path> out = new ArrayList<>();
        for (int n = 1; n <= runs; n++) {
            Path run = runLogs(n);
            out.add(stdoutLog(run));
            out.add(stderrLog(run));
        }
        return out;
    }

    /** A run's stdout log, given the run's name in the spool. */
    static Path stdoutLog(Path run) {
        return Path.of(run + ".stdout");
    }

    static Path stderrLog(Path run) {
        return Path.of(run + ".stderr");
    }

    private Path runLogs(int number) {
        return spool.resolveSibling(spool.getFileName() + ".run" + number);
    }

    synchronized TaskState state() {
        return state;
    }

    /** Reserved and not finished: it holds a slot (nothing ran yet, or its run goes on). */
    synchronized boolean holdsSlot() {
        return !released && (state == TaskState.Closed || state == TaskState.Execute);
    }

    @Override
    public synchronized boolean isRunning() {
        return state == TaskState.Execute;
    }

    @Override
    public synchronized Run lastRun() {
        return run;
    }

    @Override
    public synchronized boolean isWriting() {
        return state == TaskState.Done && run != null && run.process != null && run.process.isWriting();
    }

    private void checkLive() {
        if (released) {
            throw new StyxException("task " + id + " has been released");
        }
    }

    // ------------------------------------------------------------------ exec, kill, eof

    /**
     * Makes {@code argv} the next run; completes once the process started, fails with devcmd's reason.
     * {@code specIn} is given the run's name in the spool, to which it adds {@code .stdout} and {@code .stderr}.
     */
    CompletableFuture<Void> exec(java.util.function.Function<Path, SpawnSpec> specIn, String owner, WorkDir dir) {
        SpawnSpec spec;
        int number;
        synchronized (this) {
            checkLive();
            if (state == TaskState.Execute) {
                throw new StyxException(CtlRequest.IN_USE);
            }
            number = ++runs;
            try {
                spec = specIn.apply(runLogs(number));
            } catch (IllegalArgumentException e) {
                throw new StyxException("exec failed: " + e.getMessage());
            }
            // Seen as running from now on, so a second exec racing this one is refused.
            state = TaskState.Execute;
            spawning = true;
            argv0 = spec.argv().get(0);
        }
        return CompletableFuture.runAsync(() -> spawn(spec, number, owner, dir), spawnExecutor);
    }

    /**
     * Runs on the spawn executor: posix_spawn takes a millisecond or more, too long for an event loop, and so
     * does looking up the owner.
     */
    private void spawn(SpawnSpec asked, int number, String owner, WorkDir dir) {
        RunningProcess p;
        SpawnSpec spec = asked;
        try {
            spec = asOwner(asked, owner);
            spec = spec.inDir(startIn(dir, owner, spec.stderrLog()));
            if (spec.dir().equals(scratch)) {
                makeScratch(spec.as());
            }
            synchronized (this) {
                runDir = spec.dir();
            }
        } catch (IOException e) {
            String why = "exec failed: cannot make the task's directory " + scratch + " or its logs: " + e.getMessage();
            failed(spec, why);
            throw new StyxException(why);
        } catch (RuntimeException e) {
            String why = "exec failed: " + org.taskfs.styx.util.Failures.text(e);
            failed(spec, why);
            throw new StyxException(why);
        }
        try {
            p = spawner.spawn(spec);
        } catch (SpawnException e) {
            failed(spec, e.getMessage());
            throw new StyxException(e.getMessage());
        }
        ProcessRun r = new ProcessRun(p.stdout(), p.stderr(), p, new CompletableFuture<>());
        CompletableFuture<Run> started;
        byte[] early;
        boolean eofNow;
        synchronized (this) {
            if (released) {
                p.signal(9);
                p.release();
                throw new StyxException("task " + id + " has been released");
            }
            if (run != null && run.process != null) {
                pastRuns.add(run.process);
            }
            run = r;
            spawning = false;
            started = nextRun;
            nextRun = new CompletableFuture<>();
            early = stdinBeforeExec.toByteArray();
            stdinBeforeExec.reset();
            // "echo data > stdin; echo exec cat > ctl": the last writer left before the run, so EOF follows the data.
            eofNow = eofBeforeExec || (stdinWriterBeforeExec && stdinWriters == 0);
            eofBeforeExec = false;
            stdinWriterBeforeExec = false;
        }
        if (early.length > 0) {
            p.writeStdin(early);
        }
        if (eofNow) {
            p.closeStdin();
        }
        p.exit().whenComplete((status, err) -> ended(r, status, err));
        started.complete(r);
    }

    /** The task's own directory, the owner's (mode 0700) where the node runs as root for someone else. */
    private void makeScratch(Credentials as) throws IOException {
        Files.createDirectories(scratch);
        if (as != null) {
            give(scratch, as.uid(), as.gid(), "rwx------");
        }
    }

    /**
     * {@code spec} as the session's owner runs it: on a node running as root, with the owner's uid, gid and
     * groups, their USER, LOGNAME and HOME, and the run's logs theirs (mode 0600: output counts as theirs, for
     * quotas too; so does the task's directory, should the run start there). A node not running as root serves only
     * its own user (the tree refuses others), so nothing changes.
     */
    private SpawnSpec asOwner(SpawnSpec spec, String owner) throws IOException {
        if (!Accounts.ROOT || owner == null || owner.equals("root")) {
            return spec;
        }
        Accounts.Account a = Accounts.lookupNow(owner);
        if (a.uid() == 0) {
            return spec;
        }
        for (Path log : List.of(spec.stdoutLog(), spec.stderrLog())) {
            if (!Files.exists(log)) {
                Files.createFile(log);
            }
            give(log, a.uid(), a.gid(), "rw-------");
        }
        return spec.withEnv(java.util.Map.of("USER", a.user(), "LOGNAME", a.user(), "HOME", a.home()))
                .runningAs(new Credentials(a.uid(), a.gid(), a.groups()));
    }

    /**
     * Where a run starts (see {@link WorkDir}). The submitter's directory ({@code cwd}) where this node lacks it
     * gives way to the home, and the run's stderr says so first, as slurmstepd's does; an owner without a home
     * here (a service account) runs in the task's own directory.
     */
    private Path startIn(WorkDir dir, String owner, Path stderrLog) throws IOException {
        if (dir.kind() == WorkDir.Kind.PATH) {
            return Path.of(dir.path());
        }
        if (dir.kind() == WorkDir.Kind.SCRATCH) {
            return scratch;
        }
        Path home = homeOf(owner);
        Path instead = Files.isDirectory(home) ? home : scratch;
        if (dir.kind() == WorkDir.Kind.HOME || Files.isDirectory(Path.of(dir.path()))) {
            return dir.kind() == WorkDir.Kind.HOME ? instead : Path.of(dir.path());
        }
        if (!Files.exists(stderrLog)) {
            Files.createFile(stderrLog, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(stderrLog, "taskfs: no directory " + dir.path() + " on " + Accounts.HOST + "; running in "
                + instead + "\n", java.nio.file.StandardOpenOption.APPEND);
        return instead;
    }

    private static Path homeOf(String owner) {
        if (owner != null) {
            try {
                return Path.of(Accounts.lookupNow(owner).home());
            } catch (RuntimeException e) {
                // No account here by that name: the spawn as that owner fails with its own message.
            }
        }
        return Path.of(System.getProperty("user.home"));
    }

    private static void give(Path p, int uid, int gid, String mode) throws IOException {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", gid);
    }

    /**
     * The exec failed: a run of empty logs whose wait line is the failure, so readers and waiters end. If even
     * the logs cannot be made, waiters get the failure as an error.
     */
    private void failed(SpawnSpec spec, String why) {
        String line = "0 0 0 0 " + PlanNineQuoting.quote(why);
        ProcessRun r = null;
        IOException noLogs = null;
        try {
            OutputLog out = OutputLog.open(spec.stdoutLog());
            OutputLog err = spec.stderrLog().equals(spec.stdoutLog()) ? out : OutputLog.open(spec.stderrLog());
            out.markComplete();
            err.markComplete();
            r = new ProcessRun(out, err, null, CompletableFuture.completedFuture(line));
        } catch (IOException e) {
            noLogs = e;
        }
        CompletableFuture<Run> waiting;
        synchronized (this) {
            state = TaskState.Fail;
            spawning = false;
            if (r != null) {
                if (run != null && run.process != null) {
                    pastRuns.add(run.process);
                }
                run = r;
            }
            waiting = nextRun;
            nextRun = new CompletableFuture<>();
        }
        if (r != null) {
            waiting.complete(r);
        } else {
            waiting.completeExceptionally(new StyxException(why + " (and its logs: " + noLogs.getMessage() + ")"));
        }
    }

    private void ended(ProcessRun r, ExitStatus status, Throwable err) {
        String line = status != null ? status.waitLine() : "0 0 0 0 " + PlanNineQuoting.quote(String.valueOf(err));
        if (line.endsWith("\n")) {
            line = line.substring(0, line.length() - 1);
        }
        synchronized (this) {
            if (run == r) {
                state = TaskState.Done;
            }
        }
        r.waitLine.complete(line);
    }

    /** Signals the run's process group (or what its leader left writing); false if nothing runs. */
    boolean signal(int sig) {
        ProcessRun r;
        synchronized (this) {
            r = run;
            boolean leftBehind = state == TaskState.Done && r != null && r.process != null && r.process.isWriting();
            if (r == null || r.process == null || (state != TaskState.Execute && !leftBehind) || spawning) {
                return false;
            }
        }
        r.process.signal(sig);
        return true;
    }

    void eof() {
        ProcessRun r;
        synchronized (this) {
            r = run;
            if (r == null || r.process == null || state != TaskState.Execute || spawning) {
                eofBeforeExec = true;
                return;
            }
        }
        r.process.closeStdin();
    }

    /** Kills every run's process group and forgets everything; readers waiting for a run end. */
    void release() {
        List<RunningProcess> processes;
        CompletableFuture<Run> waiting;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            processes = new ArrayList<>(pastRuns);
            if (run != null && run.process != null) {
                processes.add(run.process);
            }
            waiting = nextRun;
        }
        waiting.completeExceptionally(new StyxException("task " + id + " has been released"));
        for (RunningProcess p : processes) {
            // The whole group, also when the leader is gone but left children behind.
            p.signal(9);
            p.exit().whenComplete((s, e) -> p.release());
        }
    }

    // ------------------------------------------------------------------ data

    @Override
    public synchronized CompletableFuture<Run> runToRead() {
        if (released) {
            return CompletableFuture.failedFuture(new StyxException("task " + id + " has been released"));
        }
        // While an exec is being spawned the reader wants the run it asked for, not the one before.
        return spawning ? nextRun : CompletableFuture.completedFuture(run);
    }

    @Override
    public synchronized CompletableFuture<Run> currentOrNextRun() {
        if (released) {
            return CompletableFuture.failedFuture(new StyxException("task " + id + " has been released"));
        }
        return run != null ? CompletableFuture.completedFuture(run) : nextRun;
    }

    @Override
    public synchronized void stdinWriterOpened() {
        stdinWriters++;
        if (state != TaskState.Execute) {
            stdinWriterBeforeExec = true;
        }
    }

    /** The last stdin writer gone after exec means EOF. */
    @Override
    public void stdinWriterClosed() {
        ProcessRun r = null;
        synchronized (this) {
            if (--stdinWriters > 0) {
                return;
            }
            if (state == TaskState.Closed || spawning) {
                // The last writer is gone before the process is there: what it wrote is all the input there
                // is, so the coming run sees it and then EOF.
                eofBeforeExec = true;
            } else if (state == TaskState.Execute) {
                r = run;
            }
        }
        if (r != null && r.process != null) {
            r.process.closeStdin();
        }
    }

    /** stdin: to the running process, or, before the first exec or while it is spawned, kept for it. */
    @Override
    public CompletableFuture<Integer> writeStdin(byte[] data) {
        ProcessRun r;
        synchronized (this) {
            checkLive();
            r = state == TaskState.Execute && !spawning ? run : null;
            if (r == null && state != TaskState.Closed && !spawning) {
                throw new StyxException(HUNGUP);
            }
            if (r == null) {
                if (stdinBeforeExec.size() + data.length > STDIN_BEFORE_EXEC_LIMIT) {
                    throw new StyxException("stdin: more than " + STDIN_BEFORE_EXEC_LIMIT + " bytes written before exec");
                }
                stdinBeforeExec.write(data, 0, data.length);
                return CompletableFuture.completedFuture(data.length);
            }
        }
        // The pipe fails with IOExceptions (hung up, queue full): their text is the user's error, not an internal one.
        CompletableFuture<Integer> inner = r.process.writeStdin(data);
        CompletableFuture<Integer> out = new CompletableFuture<>();
        inner.whenComplete((n, e) -> {
            Throwable t = e == null ? null : Futures.cause(e);
            if (t == null) {
                out.complete(n);
            } else {
                out.completeExceptionally(!(t instanceof IOException) ? t
                        : new StyxException(org.taskfs.styx.server.Errors.HUNGUP.equals(t.getMessage()) ? HUNGUP
                                : t.getMessage()));
            }
        });
        return Futures.cancelsInner(out, inner); // a flushed write still withdraws its queued data
    }

    /** devcmd's status line: {@code cmd/K REFS STATE DIR ARG0}. */
    synchronized String statusLine(int refs, WorkDir dir) {
        // Where the last run started; before any, where the session insists, else the task's own directory.
        String d = runDir != null ? runDir.toString() : dir.kind() == WorkDir.Kind.PATH ? dir.path() : scratch.toString();
        return "cmd/" + id + " " + refs + " " + state + " " + PlanNineQuoting.quote(d) + " "
                + PlanNineQuoting.quote(argv0) + "\n";
    }
}
