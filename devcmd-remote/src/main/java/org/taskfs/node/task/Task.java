package org.taskfs.node.task;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.taskfs.node.exec.ExitStatus;
import org.taskfs.node.exec.OutputLog;
import org.taskfs.node.exec.RunningProcess;
import org.taskfs.node.exec.SpawnException;
import org.taskfs.node.exec.SpawnSpec;
import org.taskfs.styx.server.Futures;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.EnvLines;
import org.taskfs.task.Signals;
import org.taskfs.task.TaskState;

/**
 * One task of a node: a working directory, an environment, and at most one process running at a
 * time (a new {@code exec} on a finished task starts a new run). Tasks belong to nobody's
 * connection: they live until {@code release}, {@code killonclose} with the last fid gone, or the
 * idle timeout. Thread-safe: requests of several connections reach it.
 */
public final class Task {
    /** Bytes written to stdin before exec that are kept for the coming run. */
    static final int STDIN_BEFORE_EXEC_LIMIT = 16 << 20;

    /** One run of a command. */
    public static final class Run {
        final int number;
        final RunningProcess process;
        final String argv0;
        /** Completes with the wait line (without a trailing newline) when the run ends. */
        final CompletableFuture<String> waitLine = new CompletableFuture<>();

        Run(int number, RunningProcess process, String argv0) {
            this.number = number;
            this.process = process;
            this.argv0 = argv0;
        }

        public OutputLog stdout() {
            return process.stdout();
        }

        public OutputLog stderr() {
            return process.stderr();
        }

        public CompletableFuture<String> waitLine() {
            return waitLine;
        }
    }

    private final int id;
    private final String owner;
    private final Path scratch;
    private final TaskTable table;

    private TaskState state = TaskState.Closed;
    private Path dir;
    private int nice;
    private boolean killOnClose;
    private final List<String> pendingArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private int refs;
    private int stdinWriters;
    /** A stdin writer came while nothing ran: if all such writers are gone by exec, the run starts at EOF. */
    private boolean stdinWriterBeforeExec;
    private long touched = System.nanoTime();
    private boolean released;

    private Run run;
    /** Earlier runs' processes: released with the task, so what they left running is killed too. */
    private final List<RunningProcess> pastRuns = new ArrayList<>();
    private int runs;
    private String argv0 = "";
    /** Completes when the next run starts: readers that opened before it wait on this. */
    private CompletableFuture<Run> nextRun = new CompletableFuture<>();
    /** A failed exec's wait line, for readers of wait. */
    private String failLine;
    private final ByteArrayOutputStream stdinBeforeExec = new ByteArrayOutputStream();
    private boolean eofBeforeExec;
    /**
     * An exec was accepted and its process is being spawned: the task counts as running, but
     * input and EOF that come meanwhile are kept for the new process, not given to the last one.
     */
    private boolean spawning;

    Task(int id, String owner, Path scratch, TaskTable table) {
        this.id = id;
        this.owner = owner;
        this.scratch = scratch;
        this.table = table;
    }

    public int id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public synchronized TaskState state() {
        return state;
    }

    synchronized boolean isIdleSince(long nanos) {
        return refs == 0 && state != TaskState.Execute && touched < nanos;
    }

    synchronized boolean isBusy() {
        return state == TaskState.Execute;
    }

    public synchronized boolean isReleased() {
        return released;
    }

    private void touch() {
        touched = System.nanoTime();
    }

    private void checkLive() {
        if (released) {
            throw new StyxException("task " + id + " has been released");
        }
    }

    // ------------------------------------------------------------------ references

    /** An fid of ctl, stdio, stdin, stdout, stderr or wait was opened (devcmd's "inuse"). */
    public synchronized void ref(boolean writesStdin) {
        refs++;
        if (writesStdin) {
            stdinWriters++;
            if (state != TaskState.Execute) {
                stdinWriterBeforeExec = true;
            }
        }
        touch();
    }

    /** The matching clunk. The last stdin writer gone after exec means EOF; the last fid gone may kill. */
    public void unref(boolean writesStdin) {
        boolean kill;
        synchronized (this) {
            refs--;
            touch();
            if (writesStdin && --stdinWriters == 0) {
                if (state == TaskState.Closed || spawning) {
                    // The last writer is gone before the process is there: what it wrote is all
                    // the input there is, so the coming run sees it and then EOF.
                    eofBeforeExec = true;
                } else if (run != null && state == TaskState.Execute) {
                    run.process.closeStdin();
                }
            }
            // Only once something ran: `echo killonclose > ctl` alone must not end a task that is still being set up.
            kill = refs == 0 && killOnClose && !released && state != TaskState.Closed;
        }
        if (kill) {
            table.release(this);
        }
    }

    // ------------------------------------------------------------------ ctl

    /** Applies a ctl command; completes when it has taken effect (exec: once the process started). */
    public CompletableFuture<Void> control(CtlRequest c) {
        synchronized (this) {
            checkLive();
            touch();
        }
        switch (c.verb()) {
            case "exec":
                if (c.args().isEmpty()) {
                    throw c.wrongArgs();
                }
                return exec(c.args());
            case "kill":
                c.arity(0, 1);
                kill(c.args().isEmpty() ? Signals.SIGTERM : Signals.parse(c.arg(0)));
                return done();
            case "killonclose":
                synchronized (this) {
                    killOnClose = true;
                }
                return done();
            case "dir":
                c.arity(1, 1);
                synchronized (this) {
                    dir = Path.of(c.arg(0));
                }
                return done();
            case "nice":
                c.arity(0, 1);
                synchronized (this) {
                    nice = c.args().isEmpty() ? 1 : c.intArg(0, "niceness");
                }
                return done();
            case "eof":
                c.arity(0, 0);
                eof();
                return done();
            case "release":
                c.arity(0, 0);
                table.release(this);
                return done();
            case "res":
                // A node task is a single task: the coordinator's uniform "res 1" is accepted.
                c.arity(0, 3);
                if (!c.args().isEmpty() && c.intArg(0, "count") != 1) {
                    throw new StyxException("res: a node task is one task; asked for " + c.arg(0));
                }
                if (c.args().size() > 1 && !table.host().matches(c.arg(1), c.args().size() > 2 ? c.arg(2) : "*")) {
                    throw new StyxException("res: this node is " + table.host() + "; asked for " + c.arg(1)
                            + (c.args().size() > 2 ? " " + c.arg(2) : ""));
                }
                return done();
            default:
                throw c.unknown();
        }
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> exec(List<String> words) {
        SpawnSpec spec;
        int number;
        synchronized (this) {
            if (state == TaskState.Execute) {
                throw new StyxException("device or object already in use");
            }
            List<String> argv = new ArrayList<>(words);
            for (String line : pendingArgs) {
                argv.addAll(PlanNineQuoting.tokenize(line));
            }
            pendingArgs.clear();
            number = ++runs;
            Map<String, String> vars = new LinkedHashMap<>(SpawnSpec.inheritedEnvironment());
            vars.putAll(table.defaultTaskEnv(this));
            vars.putAll(table.rootEnv());
            vars.putAll(env);
            try {
                spec = new SpawnSpec(argv, vars, dir != null ? dir : scratch,
                        scratch.resolve("run" + number + ".stdout"), scratch.resolve("run" + number + ".stderr"), nice);
            } catch (IllegalArgumentException e) {
                throw new StyxException("exec failed: " + e.getMessage());
            }
            // Seen as running from now on, so a second exec racing this one is refused.
            state = TaskState.Execute;
            spawning = true;
            argv0 = argv.get(0);
        }
        return CompletableFuture.supplyAsync(() -> spawn(spec, number), table.spawnExecutor());
    }

    /** Runs on the spawn executor: posix_spawn takes a millisecond or more, too long for an event loop. */
    private Void spawn(SpawnSpec spec, int number) {
        RunningProcess p;
        try {
            p = table.spawner().spawn(spec);
        } catch (SpawnException e) {
            CompletableFuture<Run> waiting;
            synchronized (this) {
                state = TaskState.Fail;
                spawning = false;
                failLine = "0 0 0 0 " + PlanNineQuoting.quote(e.getMessage());
                waiting = nextRun;
                nextRun = new CompletableFuture<>();
            }
            // Readers that were waiting for this run must not wait on: nothing ran (no run: EOF, fail line).
            waiting.complete(null);
            throw new StyxException(e.getMessage());
        }
        Run r = new Run(number, p, spec.argv().get(0));
        CompletableFuture<Run> started;
        byte[] early;
        boolean eofNow;
        synchronized (this) {
            if (released) {
                p.signal(9);
                p.release();
                throw new StyxException("task " + id + " has been released");
            }
            if (run != null) {
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
        return null;
    }

    private void ended(Run r, ExitStatus status, Throwable err) {
        String line = status != null ? status.waitLine() : "0 0 0 0 " + PlanNineQuoting.quote(String.valueOf(err));
        if (line.endsWith("\n")) {
            line = line.substring(0, line.length() - 1);
        }
        synchronized (this) {
            if (run == r) {
                state = TaskState.Done;
            }
            touch();
        }
        r.waitLine.complete(line);
    }

    private void kill(int sig) {
        Run r;
        synchronized (this) {
            r = run;
            if (r == null || state != TaskState.Execute) {
                throw new StyxException("not started");
            }
        }
        r.process.signal(sig);
    }

    private void eof() {
        Run r;
        synchronized (this) {
            r = run;
            if (r == null || state != TaskState.Execute || spawning) {
                eofBeforeExec = true;
                return;
            }
        }
        r.process.closeStdin();
    }

    /** Called by the table: kills the run's process group and forgets everything. */
    void releaseNow() {
        List<RunningProcess> processes;
        CompletableFuture<Run> waiting;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            processes = new ArrayList<>(pastRuns);
            if (run != null) {
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
        table.deleteScratch(scratch);
    }

    // ------------------------------------------------------------------ data

    /**
     * The current run, or the next one once it starts; {@code null} (at once, or when the awaited exec fails)
     * when the last exec failed and nothing ever ran: there is no output to read.
     */
    public synchronized CompletableFuture<Run> currentOrNextRun() {
        if (released) {
            return CompletableFuture.failedFuture(new StyxException("task " + id + " has been released"));
        }
        if (run == null && state == TaskState.Fail) {
            return CompletableFuture.completedFuture(null);
        }
        return run != null ? CompletableFuture.completedFuture(run) : nextRun;
    }

    /** The wait line of the current run (or the failed exec), once there is one. */
    public CompletableFuture<String> waitLine() {
        synchronized (this) {
            if (state == TaskState.Fail && failLine != null) {
                return CompletableFuture.completedFuture(failLine);
            }
        }
        return currentOrNextRun().thenCompose(r -> r != null ? r.waitLine() : CompletableFuture.completedFuture(failLine()));
    }

    private synchronized String failLine() {
        return failLine;
    }

    private static final String HUNGUP = "i/o on hungup channel";

    /** stdin: to the running process, or, before the first exec or while it is spawned, kept for it. */
    public CompletableFuture<Integer> writeStdin(byte[] data) {
        Run r;
        synchronized (this) {
            checkLive();
            touch();
            r = state == TaskState.Execute && !spawning ? run : null;
            if (r == null && state != TaskState.Closed && !spawning) {
                throw new StyxException(HUNGUP);
            }
            if (r == null) {
                if (stdinBeforeExec.size() + data.length > STDIN_BEFORE_EXEC_LIMIT) {
                    throw new StyxException("stdin: more than " + STDIN_BEFORE_EXEC_LIMIT
                            + " bytes written before exec");
                }
                stdinBeforeExec.write(data, 0, data.length);
                return CompletableFuture.completedFuture(data.length);
            }
        }
        // The pipe fails with IOExceptions (hung up, queue full): their text is the user's error, not an internal one.
        CompletableFuture<Integer> inner = r.process.writeStdin(data);
        CompletableFuture<Integer> out = new CompletableFuture<>();
        inner.whenComplete((n, e) -> {
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (t == null) {
                out.complete(n);
            } else {
                out.completeExceptionally(t instanceof IOException ? new StyxException(t.getMessage()) : t);
            }
        });
        return Futures.cancelsInner(out, inner); // a flushed write still withdraws its queued data
    }

    public synchronized void addArgs(String text) {
        checkLive();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                pendingArgs.add(line);
            }
        }
    }

    public synchronized String args() {
        StringBuilder b = new StringBuilder();
        pendingArgs.forEach(a -> b.append(a).append('\n'));
        return b.toString();
    }

    public synchronized void addEnv(String text) {
        checkLive();
        EnvLines.parseInto(text, env);
    }

    public synchronized String env() {
        return EnvLines.format(env);
    }

    /** devcmd's status line: {@code cmd/K REFS STATE DIR ARG0}. */
    public synchronized String statusLine() {
        Path d = dir != null ? dir : scratch;
        return "cmd/" + id + " " + refs + " " + state + " " + PlanNineQuoting.quote(d.toString()) + " "
                + PlanNineQuoting.quote(argv0) + "\n";
    }

    public Path scratch() {
        return scratch;
    }
}
