package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import jnr.ffi.Pointer;
import org.taskfs.node.exec.Native.LibC;
import org.taskfs.task.OutputLog;

/**
 * The one thread that waits on behalf of every task: it reaps processes as they exit, writes queued stdin data as
 * pipes drain, notices stdin pipes whose readers are gone, wakes parked log readers when a log file grows, ends a
 * log when its last writer has closed it, and kills tasks whose output outgrows the node's limit.
 *
 * <p>It is a {@code poll(2)} loop over an eventfd (wake-ups from other threads), an inotify descriptor
 * ({@code IN_MODIFY} on logs that have parked readers), a pidfd per running process (readable once it has
 * exited; then it is reaped with {@code wait4(pid, WNOHANG)}, which also yields its CPU times) and the stdin pipes
 * that have data queued or whose process has exited. If inotify is unavailable (no instances left, or a watch
 * cannot be added) the affected logs are polled by size every {@value #POLL_INTERVAL_MS} ms instead; processes
 * without a pidfd ({@code pidfd_open} failed) are polled with {@code wait4(pid, WNOHANG)} every
 * {@value #REAP_POLL_INTERVAL_MS} ms. Either way a node needs this one thread however many processes it runs.
 * Only our own children are waited for, each by its pid, never with {@code wait(-1)}, so the JVM's own child
 * handling is untouched.
 *
 * <p>Every descriptor this loop polls is also closed by this loop, so a descriptor number can never be recycled
 * under a pending {@code poll}. Futures completed here (process exits, parked log reads, stdin writes) run their
 * dependent actions on this thread: they must not block, or every process, pipe and log of the node waits.
 */
final class IoLoop implements OutputLog.Watch {

    private static final System.Logger LOG = System.getLogger(IoLoop.class.getName());

    static final int POLL_INTERVAL_MS = 2;
    /** How often processes without a pidfd are checked for having exited. */
    static final int REAP_POLL_INTERVAL_MS = 10;
    /** struct rusage on Linux x86_64 and aarch64. */
    private static final long RUSAGE_SIZE = 144;
    /** One write(2) at most; a default pipe holds 64 KiB, so larger chunks would only be copied for nothing. */
    static final int WRITE_CHUNK = 64 * 1024;
    private static final int EVENT_BUFFER = 64 * 1024;
    private static final int POLLFD_SIZE = 8;
    /** Longest pause between two tests of a log that is still open for writing; see {@link #completeWhenUnwritten}. */
    static final long DRAIN_RECHECK_MAX_MS = 1000;
    /** How often, at most, the sizes of logs written since the last look are checked against the output limit. */
    static final int LIMIT_CHECK_MS = 10;

    private static volatile IoLoop shared;

    private final int wakeFd;
    private final int inotifyFd;
    /** A second inotify instance, IN_MODIFY on the logs of processes with an output limit; read on a timer. */
    private final int limitFd;
    private final Pointer one;
    private final Pointer scratch;
    private final Pointer writeBuffer;
    private final Pointer eventBuffer;
    private final Pointer waitStatus;
    private final Pointer rusage;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Thread thread;

    // Owned by the loop thread.
    private final Map<Integer, OutputLog> logsByWatch = new HashMap<>();
    /** The inotify watch of each watched log and its events; read from other threads only to skip a needless hop. */
    private final Map<OutputLog, Watched> watchOf = new ConcurrentHashMap<>();
    /** Logs whose process has exited and whose file someone may still have open for writing. */
    private final Map<OutputLog, Drain> drains = new HashMap<>();
    private final PriorityQueue<Drain> drainsDue = new PriorityQueue<>(Comparator.comparingLong((Drain d) -> d.due));
    /** Processes with an output limit, and the process of each watch of {@link #limitFd}. */
    private final Map<RunningProcess, Limited> limited = new HashMap<>();
    private final Map<Integer, RunningProcess> limitedByWatch = new HashMap<>();
    /** Limited processes whose logs could not be watched: their sizes are checked every {@link #LIMIT_CHECK_MS}. */
    private final Set<RunningProcess> polledLimits = new LinkedHashSet<>();
    /** {@link #limitFd} is left out of poll until then, so a log's events merge in the kernel meanwhile. */
    private long limitQuietUntil;
    private boolean warnedLeases;
    private final Set<OutputLog> polledLogs = new LinkedHashSet<>();
    private final Set<StdinPipe> pipes = new LinkedHashSet<>();
    /** Running processes and their pidfds. */
    private final Map<RunningProcess, Integer> exitFds = new LinkedHashMap<>();
    /** Running processes without a pidfd, checked every {@link #REAP_POLL_INTERVAL_MS}. */
    private final Set<RunningProcess> polledExits = new LinkedHashSet<>();
    private long nextExitScan;
    private Pointer pollFds;
    private int pollCapacity;
    private boolean warnedInotify;

    static IoLoop shared() {
        IoLoop l = shared;
        if (l == null) {
            synchronized (IoLoop.class) {
                l = shared;
                if (l == null) {
                    l = new IoLoop(true);
                    shared = l;
                }
            }
        }
        return l;
    }

    /** @param inotify false to poll log sizes only (the fallback, selectable for tests) */
    IoLoop(boolean inotify) {
        wakeFd = C.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + Native.strerror(Native.errno()));
        }
        int ino = inotify ? C.inotify_init1(LibC.IN_CLOEXEC | LibC.IN_NONBLOCK) : -1;
        if (inotify && ino < 0) {
            LOG.log(Level.WARNING, "inotify unavailable ({0}); log readers are woken by polling every {1} ms",
                    Native.strerror(Native.errno()), POLL_INTERVAL_MS);
        }
        inotifyFd = ino;
        limitFd = inotify ? C.inotify_init1(LibC.IN_CLOEXEC | LibC.IN_NONBLOCK) : -1;
        // The loop thread never ends, so these blocks are never freed.
        one = Native.malloc(8);
        one.putLong(0, 1);
        scratch = Native.malloc(8);
        writeBuffer = Native.malloc(WRITE_CHUNK);
        eventBuffer = Native.malloc(EVENT_BUFFER);
        waitStatus = Native.malloc(8);
        rusage = Native.malloc(RUSAGE_SIZE);
        pollCapacity = 64;
        pollFds = Native.malloc((long) pollCapacity * POLLFD_SIZE);
        thread = new Thread(this::run, "exec-io");
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the loop thread. */
    void execute(Runnable task) {
        tasks.add(task);
        if (Thread.currentThread() != thread && wakePending.compareAndSet(false, true)) {
            C.write(wakeFd, one, 8);
        }
    }

    // ---- logs ----------------------------------------------------------------------------------------------

    /** A read parked on {@code log}: make sure growth of its file wakes us. */
    @Override
    public void parked(OutputLog log) {
        Watched w = watchOf.get(log);
        if (w == null || (w.mask & LibC.IN_MODIFY) == 0) {
            execute(() -> watch(log));
        }
    }

    /** {@code log} is complete or closed: stop watching it. */
    @Override
    public void forget(OutputLog log) {
        execute(() -> {
            unwatch(log);
            Drain d = drains.remove(log);
            if (d != null) {
                endDrain(d);
            }
        });
    }

    /** An inotify watch on a log's file, for {@code mask}'s events. */
    private record Watched(int wd, int mask) {}

    private void watch(OutputLog log) {
        if (!log.isComplete() && !addWatch(log, LibC.IN_MODIFY)) {
            if (inotifyFd >= 0 && !warnedInotify) {
                warnedInotify = true;
                LOG.log(Level.WARNING, "inotify_add_watch {0}: {1}; polling such logs instead",
                        log.path(), Native.strerror(Native.errno()));
            }
            polledLogs.add(log);
        }
        // Growth between the reader's last look and the watch taking effect would otherwise go unnoticed.
        log.deliverParked();
    }

    /** Adds {@code events} to the inotify watch of {@code log}'s file (one per file); false if it cannot be watched. */
    private boolean addWatch(OutputLog log, int events) {
        Watched w = watchOf.get(log);
        if (w != null && (w.mask & events) == events) {
            return true;
        }
        // IN_MASK_ADD: a reader's IN_MODIFY and a drain's IN_CLOSE_WRITE share the file's one watch.
        int wd = inotifyFd >= 0 ? C.inotify_add_watch(inotifyFd, Native.cstring(log.path()), events | LibC.IN_MASK_ADD)
                : -1;
        if (wd < 0) {
            return false;
        }
        watchOf.put(log, new Watched(wd, (w != null ? w.mask : 0) | events));
        logsByWatch.put(wd, log);
        return true;
    }

    private void unwatch(OutputLog log) {
        Watched w = watchOf.remove(log);
        if (w != null) {
            C.inotify_rm_watch(inotifyFd, w.wd);
            logsByWatch.remove(w.wd);
        }
        polledLogs.remove(log);
    }

    private void drainInotify() {
        Set<OutputLog> grown = new LinkedHashSet<>();
        Set<OutputLog> closed = new LinkedHashSet<>();
        boolean overflow = false;
        while (true) {
            long n = C.read(inotifyFd, eventBuffer, EVENT_BUFFER);
            if (n <= 0) {
                break;
            }
            int pos = 0;
            while (pos + 16 <= n) {
                int wd = eventBuffer.getInt(pos);
                int mask = eventBuffer.getInt(pos + 4);
                int nameLen = eventBuffer.getInt(pos + 12);
                pos += 16 + nameLen;
                if ((mask & LibC.IN_Q_OVERFLOW) != 0) {
                    overflow = true;
                    continue;
                }
                OutputLog log = logsByWatch.get(wd);
                if (log == null) {
                    continue;
                }
                if ((mask & LibC.IN_IGNORED) != 0) {
                    logsByWatch.remove(wd);
                    watchOf.remove(log);
                    polledLogs.add(log);
                }
                if ((mask & LibC.IN_CLOSE_WRITE) != 0) {
                    closed.add(log);
                }
                grown.add(log);
            }
        }
        if (overflow) {
            grown.addAll(logsByWatch.values());
            closed.addAll(drains.keySet());
        }
        for (OutputLog log : grown) {
            log.deliverParked();
        }
        for (OutputLog log : closed) {
            Drain d = drains.get(log);
            if (d != null) {
                // A writer closed it: look again now, and soon after (see completeWhenUnwritten).
                drainsDue.remove(d);
                d.delayMs = 1;
                checkDrain(d);
            }
        }
    }

    // ---- the end of a log: its last writer gone -----------------------------------------------------------

    /** A log waiting for its last writer: a read-only descriptor to test with, and when to test next. */
    private static final class Drain {
        final OutputLog log;
        final BooleanSupplier fallback;
        final Runnable then;
        int fd;
        long due;
        long delayMs = 1;

        Drain(OutputLog log, BooleanSupplier fallback, Runnable then, int fd) {
            this.log = log;
            this.fallback = fallback;
            this.then = then;
            this.fd = fd;
        }
    }

    /**
     * Marks {@code log} complete, then runs {@code then}, once no process has its file open for writing any more:
     * output ends when its last writer closes it, as a pipe's does. A background child that still writes keeps
     * the output going after its parent exited; one that closed or redirected its stdout does not hold it.
     *
     * <p>Linux tells this without scanning processes: a read lease ({@code F_SETLEASE F_RDLCK}) on a read-only
     * descriptor is refused with EAGAIN while the file is open for writing anywhere, and granted otherwise; it is
     * dropped at once. (The daemon may lease a file it owns, or any file as root, which has CAP_LEASE. An open
     * for writing during those microseconds breaks the lease, which signals the holder: F_SETSIG makes that
     * SIGWINCH, ignored by default, instead of SIGIO, which would end the JVM.) The test is repeated at each
     * {@code IN_CLOSE_WRITE} on the file, and on a timer from 1 ms doubling up to {@value #DRAIN_RECHECK_MAX_MS}
     * ms, because the kernel reports a close just before it stops counting that writer, and because inotify may
     * be unavailable. Where the file system grants no leases (EINVAL, ENOLCK, ...) output ends when
     * {@code fallback} says so: when the task's cgroup has emptied, or at once without one.
     */
    void completeWhenUnwritten(OutputLog log, BooleanSupplier fallback, Runnable then) {
        onLoop(() -> {
            if (log.isComplete() || drains.containsKey(log)) {
                return;
            }
            int fd = C.open(Native.cstring(log.path()), LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NONBLOCK, 0);
            if (fd >= 0 && C.fcntl(fd, LibC.F_SETSIG, LibC.SIGWINCH) != 0) {
                C.close(fd);
                fd = -1;
            }
            Drain d = new Drain(log, fallback, then, fd);
            drains.put(log, d);
            if (!writing(d)) {
                complete(d); // the usual case, at the cost of an open, two fcntl and a close
                return;
            }
            // Watched only now, so the usual case costs no watch; a close before the watch took effect is seen
            // by the test that follows it.
            addWatch(log, LibC.IN_CLOSE_WRITE);
            checkDrain(d);
        });
    }

    /** Runs {@code task} now if this is the loop thread, else on it. */
    private void onLoop(Runnable task) {
        if (Thread.currentThread() == thread) {
            task.run();
        } else {
            execute(task);
        }
    }

    private void checkDrain(Drain d) {
        if (drains.get(d.log) != d) {
            return;
        }
        if (!d.log.isComplete() && writing(d)) {
            d.due = System.nanoTime() + d.delayMs * 1_000_000L;
            d.delayMs = Math.min(d.delayMs * 2, DRAIN_RECHECK_MAX_MS);
            drainsDue.add(d);
            return;
        }
        complete(d);
    }

    /** The last writer is gone: readers get EOF after the last byte. */
    private void complete(Drain d) {
        drains.remove(d.log);
        endDrain(d);
        d.log.markComplete();
        try {
            d.then.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "after the output of " + d.log.path() + " ended", e);
        }
    }

    /** Whether some process may still write the log's file. */
    private boolean writing(Drain d) {
        if (d.fd >= 0) {
            if (C.fcntl(d.fd, LibC.F_SETLEASE, LibC.F_RDLCK) == 0) {
                C.fcntl(d.fd, LibC.F_SETLEASE, LibC.F_UNLCK);
                return false;
            }
            int errno = Native.errno();
            if (errno == LibC.EAGAIN) {
                return true;
            }
            if (!warnedLeases) {
                warnedLeases = true;
                LOG.log(Level.WARNING, "no file lease on {0} ({1}): such a task''s output ends when all its processes"
                        + " have exited (with a cgroup) or when its main process exits (without)",
                        d.log.path(), Native.strerror(errno));
            }
            C.close(d.fd);
            d.fd = -1;
        }
        return !d.fallback.getAsBoolean();
    }

    private void endDrain(Drain d) {
        drainsDue.remove(d);
        Native.closeQuietly(d.fd);
        d.fd = -1;
    }

    private void checkDueDrains() {
        long now = System.nanoTime();
        while (!drainsDue.isEmpty() && drainsDue.peek().due - now <= 0) {
            checkDrain(drainsDue.poll());
        }
    }

    // ---- output limits ------------------------------------------------------------------------------------

    /** A limited process: its limit and the watches of its logs. */
    private record Limited(long limit, List<Integer> watches) {}

    /**
     * Calls {@link RunningProcess#outputLimitExceeded} once {@code p}'s stdout and stderr together hold more than
     * {@code limit} bytes, until its output has ended. The logs are watched (IN_MODIFY) on an inotify instance
     * of their own which the loop reads at most every {@value #LIMIT_CHECK_MS} ms: meanwhile the kernel merges a
     * log's repeated events, so the cost is one size check per writing task per interval, nothing per write and
     * nothing for tasks that do not write. A task can so write about {@value #LIMIT_CHECK_MS} ms of output past
     * the limit (some 10 MB at 1 GB/s) before it is killed.
     */
    void limitOutput(RunningProcess p, long limit) {
        execute(() -> {
            if (limited.containsKey(p)) {
                return;
            }
            List<Integer> wds = new ArrayList<>();
            boolean all = limitFd >= 0;
            for (OutputLog log : p.stdout() == p.stderr() ? List.of(p.stdout()) : List.of(p.stdout(), p.stderr())) {
                int wd = all ? C.inotify_add_watch(limitFd, Native.cstring(log.path()), LibC.IN_MODIFY) : -1;
                if (wd < 0) {
                    all = false;
                } else {
                    wds.add(wd);
                    limitedByWatch.put(wd, p);
                }
            }
            limited.put(p, new Limited(limit, wds));
            if (!all) {
                polledLimits.add(p);
            }
            checkLimit(p);
        });
    }

    /** {@code p}'s output has ended or it was released: no more checks. */
    void unlimit(RunningProcess p) {
        execute(() -> dropLimit(p));
    }

    private void dropLimit(RunningProcess p) {
        Limited l = limited.remove(p);
        if (l == null) {
            return;
        }
        for (int wd : l.watches) {
            if (limitedByWatch.remove(wd) != null) {
                C.inotify_rm_watch(limitFd, wd);
            }
        }
        polledLimits.remove(p);
    }

    private void checkLimit(RunningProcess p) {
        Limited l = limited.get(p);
        if (l == null) {
            return;
        }
        if (p.outputBytes() > l.limit) {
            dropLimit(p);
            try {
                p.outputLimitExceeded(l.limit);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "output limit of pid " + p.pid(), e);
            }
        }
    }

    private void checkLimits() {
        Set<RunningProcess> written = new LinkedHashSet<>();
        while (limitFd >= 0) {
            long n = C.read(limitFd, eventBuffer, EVENT_BUFFER);
            if (n <= 0) {
                break;
            }
            for (int pos = 0; pos + 16 <= n; pos += 16 + eventBuffer.getInt(pos + 12)) {
                int wd = eventBuffer.getInt(pos);
                int mask = eventBuffer.getInt(pos + 4);
                if ((mask & LibC.IN_Q_OVERFLOW) != 0) {
                    written.addAll(limited.keySet());
                } else if ((mask & LibC.IN_IGNORED) != 0) {
                    limitedByWatch.remove(wd);
                } else if (limitedByWatch.containsKey(wd)) {
                    written.add(limitedByWatch.get(wd));
                }
            }
        }
        written.addAll(polledLimits);
        written.forEach(this::checkLimit);
        limitQuietUntil = System.nanoTime() + LIMIT_CHECK_MS * 1_000_000L;
    }

    // ---- stdin ---------------------------------------------------------------------------------------------

    /** Writes what {@code pipe} has queued and decides whether the loop must keep polling it. */
    void service(StdinPipe pipe) {
        pipe.flush(writeBuffer, WRITE_CHUNK);
        track(pipe);
    }

    void track(StdinPipe pipe) {
        if (pipe.isClosed()) {
            pipes.remove(pipe);
        } else if (pipe.hasQueued() || pipe.leaderExited()) {
            pipes.add(pipe);
        } else {
            pipes.remove(pipe);
        }
    }

    // ---- exits ---------------------------------------------------------------------------------------------

    /**
     * Reaps {@code p} when it exits and then calls {@link RunningProcess#exited} on this thread. {@code pidfd}
     * is the process's pidfd, which this loop polls and closes, or -1 to poll the pid instead.
     */
    void watchExit(RunningProcess p, int pidfd) {
        execute(() -> {
            if (pidfd >= 0) {
                exitFds.put(p, pidfd);
            } else {
                pollExit(p);
            }
        });
    }

    /** Processes watched for their exit, through a pidfd or by polling; for tests. */
    int[] watchedExits() {
        CompletableFuture<int[]> counts = new CompletableFuture<>();
        execute(() -> counts.complete(new int[] {exitFds.size(), polledExits.size()}));
        return counts.join();
    }

    private void pollExit(RunningProcess p) {
        if (polledExits.isEmpty()) {
            nextExitScan = System.nanoTime();
        }
        polledExits.add(p);
    }

    private void exitReported(RunningProcess p, int pidfd) {
        Integer fd = exitFds.get(p);
        if (fd == null || fd != pidfd) {
            return;
        }
        exitFds.remove(p);
        C.close(pidfd);
        if (tryReap(p) < 0) {
            // Readable but not yet waitable (a tracer holds the zombie): polling the pid instead cannot spin.
            pollExit(p);
        }
    }

    private void scanPolledExits() {
        polledExits.removeIf(p -> tryReap(p) > 0);
        nextExitScan = System.nanoTime() + REAP_POLL_INTERVAL_MS * 1_000_000L;
    }

    /** {@code wait4(pid, WNOHANG)}: 1 once {@code p} is reaped (or cannot be waited for), -1 while it runs. */
    private int tryReap(RunningProcess p) {
        ExitStatus status;
        try {
            int r;
            int errno = 0;
            do {
                r = C.wait4(p.pid(), waitStatus, LibC.WNOHANG, rusage);
                if (r < 0) {
                    errno = Native.errno();
                }
            } while (r < 0 && errno == LibC.EINTR);
            if (r == 0) {
                return -1;
            }
            long realMs = (System.nanoTime() - p.startNanos()) / 1_000_000;
            if (r == p.pid()) {
                // struct rusage starts with ru_utime and ru_stime, two struct timeval {tv_sec; tv_usec}.
                long userMs = rusage.getLong(0) * 1000 + rusage.getLong(8) / 1000;
                long sysMs = rusage.getLong(16) * 1000 + rusage.getLong(24) / 1000;
                status = ExitStatus.fromWaitStatus(p.pid(), userMs, sysMs, realMs, waitStatus.getInt(0));
            } else {
                status = new ExitStatus(p.pid(), 0, 0, realMs, null, null, "wait4: " + Native.strerror(errno));
            }
        } catch (RuntimeException | Error e) {
            status = new ExitStatus(p.pid(), 0, 0, 0, null, null, "wait4: " + e);
        }
        try {
            p.exited(status);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "exit of pid " + p.pid(), e);
        }
        return 1;
    }

    // ---- the loop ------------------------------------------------------------------------------------------

    private void run() {
        while (true) {
            try {
                iterate();
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "exec i/o loop", t);
            }
        }
    }

    private void iterate() {
        StdinPipe[] polled = pipes.toArray(new StdinPipe[0]);
        RunningProcess[] watched = exitFds.keySet().toArray(new RunningProcess[0]);
        int[] watchedFds = new int[watched.length];
        long now = System.nanoTime();
        boolean limitsArmed = limitFd >= 0 && !limitedByWatch.isEmpty() && now - limitQuietUntil >= 0;
        int exitsAt = 3 + polled.length;
        int n = exitsAt + watched.length;
        if (n > pollCapacity) {
            Native.free(pollFds);
            pollCapacity = Math.max(n, pollCapacity * 2);
            pollFds = Native.malloc((long) pollCapacity * POLLFD_SIZE);
        }
        setPollFd(0, wakeFd, LibC.POLLIN);
        setPollFd(1, inotifyFd, LibC.POLLIN);
        // A negative descriptor is skipped by poll: limit events wait in the kernel, merged, until the interval is up.
        setPollFd(2, limitsArmed ? limitFd : -1, LibC.POLLIN);
        for (int i = 0; i < polled.length; i++) {
            // Events 0 still reports POLLERR, which is how a pipe says its last reader is gone.
            setPollFd(3 + i, polled[i].fd(), polled[i].hasQueued() ? LibC.POLLOUT : 0);
        }
        for (int i = 0; i < watched.length; i++) {
            watchedFds[i] = exitFds.get(watched[i]);
            setPollFd(exitsAt + i, watchedFds[i], LibC.POLLIN);
        }
        // Tasks queued by this very thread (a completion that wrote again) did not signal the eventfd.
        int timeout = !tasks.isEmpty() ? 0 : polledLogs.isEmpty() ? -1 : POLL_INTERVAL_MS;
        if (!polledExits.isEmpty()) {
            timeout = until(timeout, nextExitScan, now);
        }
        if (!drainsDue.isEmpty()) {
            timeout = until(timeout, drainsDue.peek().due, now);
        }
        if (!polledLimits.isEmpty() || (!limitsArmed && !limitedByWatch.isEmpty())) {
            timeout = until(timeout, limitQuietUntil, now);
        }
        int ready = C.poll(pollFds, n, timeout);
        if (ready < 0) {
            int errno = Native.errno();
            if (errno != LibC.EINTR) {
                LOG.log(Level.ERROR, "poll: {0}", Native.strerror(errno));
            }
            return;
        }
        if (revents(0) != 0) {
            C.read(wakeFd, scratch, 8);
        }
        wakePending.set(false);
        for (Runnable task; (task = tasks.poll()) != null; ) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "exec i/o task", e);
            }
        }
        if (inotifyFd >= 0 && revents(1) != 0) {
            drainInotify();
        }
        if ((limitsArmed && revents(2) != 0)
                || (!polledLimits.isEmpty() && System.nanoTime() - limitQuietUntil >= 0)) {
            checkLimits();
        }
        for (int i = 0; i < polled.length; i++) {
            short ev = revents(3 + i);
            StdinPipe pipe = polled[i];
            if (ev == 0 || !pipes.contains(pipe)) {
                continue;
            }
            if ((ev & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
                pipe.hangUp();
                track(pipe);
            } else if ((ev & LibC.POLLOUT) != 0) {
                service(pipe);
            }
        }
        for (int i = 0; i < watched.length; i++) {
            if (revents(exitsAt + i) != 0) {
                exitReported(watched[i], watchedFds[i]);
            }
        }
        if (!polledExits.isEmpty() && System.nanoTime() - nextExitScan >= 0) {
            scanPolledExits();
        }
        checkDueDrains();
        if (!polledLogs.isEmpty()) {
            List<OutputLog> idle = new ArrayList<>();
            for (OutputLog log : polledLogs) {
                log.deliverParked();
                if (log.parkedReads() == 0 || log.isComplete()) {
                    idle.add(log);
                }
            }
            idle.forEach(polledLogs::remove);
        }
    }

    /** The poll timeout {@code timeout} (-1: none), shortened to end by {@code deadline} (System.nanoTime). */
    private static int until(int timeout, long deadline, long now) {
        long ms = Math.max(0, (deadline - now + 999_999) / 1_000_000);
        return timeout < 0 ? (int) Math.min(ms, Integer.MAX_VALUE) : (int) Math.min(timeout, ms);
    }

    private void setPollFd(int i, int fd, short events) {
        long off = (long) i * POLLFD_SIZE;
        pollFds.putInt(off, fd);
        pollFds.putShort(off + 4, events);
        pollFds.putShort(off + 6, (short) 0);
    }

    private short revents(int i) {
        return pollFds.getShort((long) i * POLLFD_SIZE + 6);
    }
}
