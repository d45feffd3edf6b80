package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.taskfs.node.exec.Native.LibC;
import org.taskfs.task.OutputLog;

/**
 * A process started by {@link Spawner}: the leader of its own process group, with stdin fed through a pipe and
 * stdout/stderr going straight into {@link OutputLog}s.
 *
 * <p>Its exit (the wait line, the task's state) is the leader's; its output ends later, when the last process
 * holding the log files open for writing closes them (a background child keeps the output going, as with a
 * pipe), or at the leader's exit once the task was signalled, or at {@link #release}.
 *
 * <p>The object stays valid after the process exits (the logs can still be read) until {@link #release}, which
 * the owner must call when the task goes away: it closes the descriptors and kills what is left of the group.
 */
public final class RunningProcess {

    private final int pid;
    private final SpawnSpec spec;
    private final OutputLog stdout;
    private final OutputLog stderr;
    private final StdinPipe stdin;
    private final long startNanos;
    private final Consumer<RunningProcess> onRelease;
    private final IoLoop loop;
    /** Bytes of stdout and stderr together after which the task is killed; 0 for no limit. */
    private final long outputLimit;
    /** The process's own cgroup (its descendants stay in it whatever they do), or null where there is none. */
    private final Path group;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile ExitStatus exitStatus;
    private volatile boolean released;
    private volatile boolean groupGone;
    /** Signalled through {@link #signal}: the output ends with the leader, whoever else still holds it. */
    private volatile boolean killed;
    /** The limit it was killed for exceeding, or 0. */
    private volatile long exceeded;

    RunningProcess(int pid, SpawnSpec spec, OutputLog stdout, OutputLog stderr, StdinPipe stdin, long startNanos,
            Path group, IoLoop loop, long outputLimit, Consumer<RunningProcess> onRelease) {
        this.group = group;
        this.loop = loop;
        this.outputLimit = outputLimit;
        this.pid = pid;
        this.spec = spec;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
        this.startNanos = startNanos;
        this.onRelease = onRelease;
    }

    /** The process id, which is also its process group id. */
    public int pid() {
        return pid;
    }

    public SpawnSpec spec() {
        return spec;
    }

    public OutputLog stdout() {
        return stdout;
    }

    /** The stderr log; the same object as {@link #stdout} when the spec named one file for both. */
    public OutputLog stderr() {
        return stderr;
    }

    /**
     * Queues {@code data} for the process's stdin and returns at once. The future completes with
     * {@code data.length} when all of it is in the pipe; it stays pending while the process does not read,
     * fails when too much is already queued, and fails with {@code i/o on hungup channel} once nobody can read
     * the pipe any more or stdin was closed. The array is copied.
     */
    public CompletableFuture<Integer> writeStdin(byte[] data) {
        return stdin.write(data);
    }

    /** End of input: the process sees EOF on stdin after the queued data. */
    public void closeStdin() {
        stdin.close();
    }

    /** Bytes accepted by {@link #writeStdin} and not yet in the pipe. */
    public long queuedStdinBytes() {
        return stdin.queuedBytes();
    }

    /**
     * Sends {@code sig} to the whole process group. After the leader has exited this still reaches members it left
     * behind, but never a group that reused the number. Returns whether any process got the signal.
     */
    public boolean signal(int sig) {
        if (released) {
            return false;
        }
        boolean leftBehind = isWriting();
        killed = true;
        if (leftBehind) {
            // The leader is gone and the task is seen done: the kill is for what it left writing, and ends the
            // output now, as a kill of a running task ends it with its leader.
            loop.execute(this::endOutput);
        }
        if (group != null && sig == LibC.SIGKILL) {
            // The process group first: a child still on its way into its cgroup (the shell's way, where clone3
            // cannot create it there) is only in that. Then every descendant, setsid ones included.
            boolean leader = !groupGone && isAlive() && C.kill(-pid, sig) == 0;
            return Cgroups.kill(group) || leader;
        }
        if (groupGone) {
            return false;
        }
        if (!isAlive() && Files.exists(Path.of("/proc/" + pid))) {
            // The leader was reaped and its pid is in use again, so our group is empty and the number belongs to
            // someone else (a pid that still names a process group is never handed out).
            groupGone = true;
            return false;
        }
        if (C.kill(-pid, sig) == 0) {
            return true;
        }
        if (Native.errno() == LibC.ESRCH && !isAlive()) {
            groupGone = true;
        }
        return false;
    }

    /**
     * The leader has exited and left processes that still hold its output open for writing. Where a cgroup holds
     * the task, an empty one means nobody is left (the last bytes may still be on their way to the logs).
     */
    public boolean isWriting() {
        return !released && !isAlive() && !killed && !(stdout.isComplete() && stderr.isComplete())
                && (group == null || Cgroups.populated(group));
    }

    /** False once the process has been reaped (already before {@link #exit} completes). */
    public boolean isAlive() {
        return exitStatus == null;
    }

    /**
     * Completes when the process has been reaped, after both logs have been marked complete (so a reader that
     * follows this future sees all output, then EOF). Each call returns a new future: cancelling it does not affect
     * the process or other callers.
     *
     * <p>It completes on the shared I/O thread, which also reaps every other process and serves every pipe and log:
     * actions chained onto it run there unless given an executor, and must not block.
     */
    public CompletableFuture<ExitStatus> exit() {
        return exit.copy();
    }

    /**
     * Frees everything: kills the process group if it still runs, closes stdin (failing queued writes) and the
     * logs' descriptors (parked readers get EOF). The log files stay. Idempotent.
     */
    public void release() {
        synchronized (this) {
            if (released) {
                return;
            }
            // Also after the leader exited: what it left running in its group must not outlive the task.
            // signal() knows when the group is gone or its number reused.
            signal(LibC.SIGKILL);
            released = true;
        }
        stdin.release();
        if (outputLimit > 0) {
            loop.unlimit(this);
        }
        stdout.close();
        stderr.close();
        if (group != null) {
            // Empty within moments of the kill above; cgroupfs calls, kept off the I/O loop all the same.
            Cgroups.removeLater(group);
        }
        onRelease.accept(this);
    }

    /** Called by the spawner once the loop watches the process: from here on its output is measured. */
    void started() {
        if (outputLimit > 0) {
            loop.limitOutput(this, outputLimit);
        }
    }

    /** Called on the I/O loop once {@code wait4} has reaped the process. */
    void exited(ExitStatus status) {
        exitStatus = status;
        stdin.onLeaderExit();
        ExitStatus shown = status;
        if (exceeded == 0 && outputLimit > 0 && outputBytes() > outputLimit) {
            // Past the limit between two checks and then done: the run failed all the same, as a slower one would.
            exceeded = outputLimit;
        }
        if (exceeded > 0) {
            shown = status.withMessage("output limit " + exceeded + " bytes exceeded");
        } else if (spoolFull()) {
            String base = status.waitMessage();
            shown = status.withMessage((base.isEmpty() ? "" : base + "; ") + SPOOL_FULL);
        }
        // The task is seen ended (its state, its wait line) before its readers reach EOF: a client that reads
        // stdout to its end and then writes the next exec must find the task free.
        exit.complete(shown);
        if (killed) {
            endOutput();
            return;
        }
        // Without leases, the cgroup tells when every process of the task is gone; without a cgroup, the leader
        // was the last one we can know of.
        java.util.function.BooleanSupplier allGone = () -> group == null || !Cgroups.populated(group);
        Runnable ended = () -> {
            if (stdout.isComplete() && stderr.isComplete() && outputLimit > 0) {
                loop.unlimit(this);
            }
        };
        loop.completeWhenUnwritten(stdout, allGone, ended);
        if (stderr != stdout) {
            loop.completeWhenUnwritten(stderr, allGone, ended);
        }
    }

    /** Bytes in stdout and stderr together (0 if they cannot be told). */
    long outputBytes() {
        try {
            return stdout.size() + (stderr == stdout ? 0 : stderr.size());
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** What a wait message says when output may be missing because the spool's file system filled up. */
    static final String SPOOL_FULL = "output incomplete: spool full (" + Native.strerror(LibC.ENOSPC) + ")";

    /**
     * Whether the spool had no room left for an unprivileged writer when the leader exited. The kernel says
     * nothing to us when a write of the task fails, but a writer refused for space leaves the file system
     * full, and a task's writes end with its exit: so a full spool at exit means its output may be incomplete.
     * (A task that ends while another filled the spool is reported too: its output may have been cut as well.)
     */
    private boolean spoolFull() {
        long free = Native.availableBytes(spec.stdoutLog());
        return free >= 0 && free < SPOOL_SLACK;
    }

    /** Less free space than this is full: below a block or two, the next write of any size fails. */
    private static final long SPOOL_SLACK = 8192;

    /** The output ends now: readers get what there is, then EOF. */
    private void endOutput() {
        if (outputLimit > 0) {
            loop.unlimit(this);
        }
        stdout.markComplete();
        stderr.markComplete();
    }

    /**
     * Called on the loop when stdout and stderr together hold more than {@code limit} bytes: every process of
     * the task is killed, and the wait message names the limit. If only processes the leader left behind were
     * still writing, its wait line is already out; the output ends all the same.
     */
    void outputLimitExceeded(long limit) {
        if (released) {
            return;
        }
        exceeded = limit;
        signal(LibC.SIGKILL);
        if (!isAlive()) {
            endOutput();
        }
    }

    long startNanos() {
        return startNanos;
    }

    @Override
    public String toString() {
        return "RunningProcess[pid=" + pid + ", argv=" + spec.argv() + (isAlive() ? "" : ", exited") + "]";
    }
}
