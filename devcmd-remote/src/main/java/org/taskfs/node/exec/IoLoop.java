package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;
import org.taskfs.node.exec.Native.LibC;
import org.taskfs.task.OutputLog;

/**
 * The one thread that waits on behalf of every task: it reaps processes as they exit, writes queued stdin data as
 * pipes drain, notices stdin pipes whose readers are gone, and wakes parked log readers when a log file grows.
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

    private static volatile IoLoop shared;

    private final int wakeFd;
    private final int inotifyFd;
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
    /** The inotify watch of each watched log; read from other threads only to skip a needless hop. */
    private final Map<OutputLog, Integer> watchOf = new java.util.concurrent.ConcurrentHashMap<>();
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
        if (!watchOf.containsKey(log)) {
            execute(() -> watch(log));
        }
    }

    /** {@code log} is complete or closed: stop watching it. */
    @Override
    public void forget(OutputLog log) {
        execute(() -> unwatch(log));
    }

    private void watch(OutputLog log) {
        if (!log.isComplete() && !watchOf.containsKey(log)) {
            int wd = inotifyFd >= 0 ? C.inotify_add_watch(inotifyFd, Native.cstring(log.path()), LibC.IN_MODIFY) : -1;
            if (wd >= 0) {
                watchOf.put(log, wd);
                logsByWatch.put(wd, log);
            } else {
                if (inotifyFd >= 0 && !warnedInotify) {
                    warnedInotify = true;
                    LOG.log(Level.WARNING, "inotify_add_watch {0}: {1}; polling such logs instead",
                            log.path(), Native.strerror(Native.errno()));
                }
                polledLogs.add(log);
            }
        }
        // Growth between the reader's last look and the watch taking effect would otherwise go unnoticed.
        log.deliverParked();
    }

    private void unwatch(OutputLog log) {
        Integer wd = watchOf.remove(log);
        if (wd != null) {
            C.inotify_rm_watch(inotifyFd, wd);
            logsByWatch.remove(wd);
        }
        polledLogs.remove(log);
    }

    private void drainInotify() {
        Set<OutputLog> grown = new LinkedHashSet<>();
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
                grown.add(log);
            }
        }
        if (overflow) {
            grown.addAll(logsByWatch.values());
        }
        for (OutputLog log : grown) {
            log.deliverParked();
        }
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
        int exitsAt = 2 + polled.length;
        int n = exitsAt + watched.length;
        if (n > pollCapacity) {
            Native.free(pollFds);
            pollCapacity = Math.max(n, pollCapacity * 2);
            pollFds = Native.malloc((long) pollCapacity * POLLFD_SIZE);
        }
        setPollFd(0, wakeFd, LibC.POLLIN);
        setPollFd(1, inotifyFd, LibC.POLLIN);
        for (int i = 0; i < polled.length; i++) {
            // Events 0 still reports POLLERR, which is how a pipe says its last reader is gone.
            setPollFd(2 + i, polled[i].fd(), polled[i].hasQueued() ? LibC.POLLOUT : 0);
        }
        for (int i = 0; i < watched.length; i++) {
            watchedFds[i] = exitFds.get(watched[i]);
            setPollFd(exitsAt + i, watchedFds[i], LibC.POLLIN);
        }
        // Tasks queued by this very thread (a completion that wrote again) did not signal the eventfd.
        int timeout = !tasks.isEmpty() ? 0 : polledLogs.isEmpty() ? -1 : POLL_INTERVAL_MS;
        if (timeout != 0 && !polledExits.isEmpty()) {
            long untilScan = Math.max(0, (nextExitScan - System.nanoTime() + 999_999) / 1_000_000);
            timeout = timeout < 0 ? (int) untilScan : (int) Math.min(timeout, untilScan);
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
        for (int i = 0; i < polled.length; i++) {
            short ev = revents(2 + i);
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
