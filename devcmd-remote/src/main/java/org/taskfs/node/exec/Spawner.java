package org.taskfs.node.exec;

import static org.taskfs.node.exec.Native.C;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;
import org.taskfs.node.exec.Native.LibC;
import org.taskfs.task.OutputLog;

/**
 * Starts processes with glibc's {@code posix_spawn}; the shared {@link IoLoop} reaps them with {@code wait4}.
 *
 * <p>Why not {@link ProcessBuilder}: it costs more than twice as much per spawn (it goes through jspawnhelper),
 * cannot make the child a process-group leader (so a kill would miss the command's own children), and the JVM
 * reaps its children itself, so their CPU times are lost.
 *
 * <p>Where the host has cgroup v2 each child is also created inside a cgroup of its own ({@link IntoCgroup}: the
 * same child, made by clone3).
 *
 * <p>Each child leads its own process group, starts with an empty signal mask and every signal at its default
 * action (the JVM blocks and handles some; a child must not inherit that), has stdin on a pipe, stdout and stderr
 * appended straight to log files, and no other descriptor of the daemon. No thread waits for a child: each gets a
 * pidfd, which the I/O loop polls along with everything else and which becomes readable when the child exits; the
 * loop then reaps it with {@code wait4(pid, WNOHANG)}, never {@code wait(-1)}, so the JVM's own child handling is
 * untouched. Where {@code pidfd_open} fails (a kernel older than 5.3, or no descriptors left) the loop polls that
 * child's pid instead. So {@link RunningProcess#exit} completes on the loop thread.
 *
 * <p>{@link #shutdown} kills every process group still known, so stopping the daemon leaves no orphans.
 */
public final class Spawner implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Spawner.class.getName());

    /** Default bound on stdin data queued for one process that is not reading it. */
    public static final long DEFAULT_STDIN_LIMIT = 16L << 20;

    private static final long ATTR_SIZE = 512;          // glibc: posix_spawnattr_t is 336 bytes
    private static final long ACTIONS_SIZE = 512;       // glibc: posix_spawn_file_actions_t is 80 bytes
    private static final long SIGSET_SIZE = 128;
    private static final long PID_OFF = 0;
    private static final long ATTR_OFF = 16;
    private static final long ACTIONS_OFF = ATTR_OFF + ATTR_SIZE;
    private static final long ARRAYS_OFF = ACTIONS_OFF + ACTIONS_SIZE;

    /** Constant signal sets for the spawn attributes; allocated once, never freed. */
    private static final Pointer NO_SIGNALS;
    private static final Pointer ALL_SIGNALS;

    static {
        NO_SIGNALS = Native.malloc(SIGSET_SIZE);
        C.sigemptyset(NO_SIGNALS);
        // Every bit, not sigfillset: that leaves out glibc's internal signals 32 and 33, which its spawn helper
        // then sets to SIG_IGN, and ignored signals survive exec.
        ALL_SIGNALS = Native.malloc(SIGSET_SIZE);
        ALL_SIGNALS.setMemory(0, SIGSET_SIZE, (byte) 0xff);
    }

    /** Whether a failed pidfd_open has been logged; once is enough. */
    private static final AtomicBoolean WARNED_PIDFD = new AtomicBoolean();

    private final IoLoop loop = IoLoop.shared();
    private final long stdinLimit;
    /** Bytes of stdout and stderr together a process may write before it is killed; 0 for no limit. */
    private final long outputLimit;
    private final boolean pidfds;
    private final Map<Integer, RunningProcess> processes = new ConcurrentHashMap<>();
    /** A cgroup per process where the host has cgroup v2; null where it has not. */
    private final Cgroups cgroups;
    private boolean shutDown;

    public Spawner() {
        this(DEFAULT_STDIN_LIMIT);
    }

    /** @param stdinLimit bytes of stdin data that may wait for one process before writes fail */
    public Spawner(long stdinLimit) {
        this(stdinLimit, 0, true);
    }

    /**
     * @param stdinLimit  bytes of stdin data that may wait for one process before writes fail
     * @param outputLimit bytes of stdout and stderr together after which a process's task is killed (its wait
     *                    message then says so); 0 for no limit
     */
    public Spawner(long stdinLimit, long outputLimit) {
        this(stdinLimit, outputLimit, true);
    }

    /** @param pidfds false to watch every process by polling its pid (the fallback, selectable for tests) */
    Spawner(long stdinLimit, long outputLimit, boolean pidfds) {
        if (stdinLimit <= 0) {
            throw new IllegalArgumentException("stdin limit " + stdinLimit);
        }
        if (outputLimit < 0) {
            throw new IllegalArgumentException("output limit " + outputLimit);
        }
        this.stdinLimit = stdinLimit;
        this.outputLimit = outputLimit;
        this.pidfds = pidfds;
        this.cgroups = Cgroups.open();
    }

    /** Whether each process gets a cgroup of its own (which follows setsid descendants and kills them). */
    public boolean contains() {
        return cgroups != null;
    }

    /**
     * Starts {@code spec}. On failure nothing is left running and the message is devcmd's:
     * {@code exec failed: CMD: REASON} or {@code can't chdir to DIR: REASON}.
     *
     * @throws IllegalStateException after {@link #shutdown}
     */
    public RunningProcess spawn(SpawnSpec spec) throws SpawnException {
        synchronized (this) {
            if (shutDown) {
                throw new IllegalStateException("spawner is shut down");
            }
        }
        String cmd = spec.argv().get(0);
        if (spec.dir() != null) {
            checkDir(spec.dir());
        }
        String executable = resolve(cmd, spec);
        List<String> argv = spec.argv();
        if (spec.as() != null) {
            argv = asUser(spec.as(), argv);
            executable = SETPRIV;
        }
        Path group = null;
        int groupFd = -1;
        if (cgroups != null) {
            try {
                group = cgroups.create();
            } catch (IOException e) {
                throw new SpawnException("exec failed: cannot make a cgroup: " + e.getMessage(), 0);
            }
            if (IntoCgroup.lib() != null) {
                groupFd = C.open(Native.cstring(group), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
                if (groupFd < 0) {
                    int errno = Native.errno();
                    Cgroups.rmdir(group);
                    throw new SpawnException("exec failed: cannot open the cgroup " + group + ": "
                            + Native.strerror(errno), errno);
                }
            } else {
                argv = joiningThroughShell(group, cmd, spec, argv);
                executable = SH;
            }
        }

        int outFd = -1;
        int errFd = -1;
        int[] pipe = {-1, -1};
        OutputLog out = null;
        OutputLog err = null;
        boolean started = false;
        try {
            outFd = openLog(spec.stdoutLog());
            errFd = spec.stderrLog().equals(spec.stdoutLog()) ? outFd : openLog(spec.stderrLog());
            if (C.pipe2(pipe, LibC.O_CLOEXEC) != 0) {
                throw failure("pipe", Native.errno());
            }
            pipe[0] = aboveStdio(pipe[0]);
            pipe[1] = aboveStdio(pipe[1]);
            int flags = C.fcntl(pipe[1], LibC.F_GETFL, 0);
            if (flags < 0 || C.fcntl(pipe[1], LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
                throw failure("fcntl", Native.errno());
            }
            try {
                out = OutputLog.open(spec.stdoutLog(), loop);
                err = spec.stderrLog().equals(spec.stdoutLog()) ? out : OutputLog.open(spec.stderrLog(), loop);
            } catch (IOException e) {
                throw new SpawnException("can't open log: " + e.getMessage(), 0);
            }

            long start = System.nanoTime();
            int nice = spec.effectiveNice();
            int pid;
            try {
                pid = launch(nice, executable, argv, spec, groupFd, pipe[0], outFd, errFd);
            } catch (CloneRefused e) {
                // Nothing started: the same command, moving itself into its group through the shell.
                IntoCgroup.disable(e.errno);
                argv = joiningThroughShell(group, cmd, spec, argv);
                pid = launch(nice, SH, argv, spec, -1, pipe[0], outFd, errFd);
            }
            started = true;

            // Normally a no-op: the child started at this niceness. Kept for a spawn thread that could not renice.
            if (nice > 0 && C.setpriority(LibC.PRIO_PROCESS, pid, nice) != 0) {
                LOG.log(Level.DEBUG, "setpriority {0} {1}: {2}", pid, nice, Native.strerror(Native.errno()));
            }
            // Opened before anything can reap the child, so the pid is still ours; from here on the loop owns it.
            int pidfd = pidfds ? openPidfd(pid) : -1;
            RunningProcess p = new RunningProcess(pid, spec, out, err, new StdinPipe(loop, pipe[1], pid, stdinLimit),
                    start, group, loop, outputLimit, released -> processes.remove(released.pid(), released));
            boolean late;
            synchronized (this) {
                late = shutDown;
                processes.put(pid, p);
            }
            loop.watchExit(p, pidfd);
            p.started();
            if (late) {
                p.release();
                throw new IllegalStateException("spawner is shut down");
            }
            return p;
        } finally {
            Native.closeQuietly(groupFd);
            Native.closeQuietly(pipe[0]);
            Native.closeQuietly(outFd);
            if (errFd != outFd) {
                Native.closeQuietly(errFd);
            }
            if (!started) {
                if (group != null) {
                    Cgroups.rmdir(group);
                }
                Native.closeQuietly(pipe[1]);
                if (out != null) {
                    out.close();
                }
                if (err != null && err != out) {
                    err.close();
                }
            }
        }
    }

    /** argv for the shell that moves itself into {@code group} and then executes the command. */
    private static List<String> joiningThroughShell(Path group, String cmd, SpawnSpec spec, List<String> argv)
            throws SpawnException {
        if (cmd.indexOf('/') >= 0) {
            checkExecutable(cmd, spec); // the shell would exec it, and posix_spawn could no longer tell
        }
        if (spec.as() != null) {
            argv = new ArrayList<>(argv);
            argv.set(0, SETPRIV); // the wrapper finds argv[0] in the task's PATH, which need not have it
        }
        return Cgroups.joining(group, argv);
    }

    /** clone3 could not create the child in its cgroup; nothing was started. */
    private static final class CloneRefused extends RuntimeException {
        final int errno;

        CloneRefused(int errno) {
            super(null, null, false, false);
            this.errno = errno;
        }
    }

    /** Starts the child, at niceness {@code nice} if above 0, in the cgroup open as {@code groupFd} if not -1. */
    private int launch(int nice, String executable, List<String> argv, SpawnSpec spec, int groupFd, int stdinFd,
                       int outFd, int errFd) throws SpawnException {
        return nice > 0 ? startChildNiced(nice, executable, argv, spec, groupFd, stdinFd, outFd, errFd)
                : startChild(executable, argv, spec, groupFd, stdinFd, outFd, errFd);
    }

    /** Processes spawned and not yet released. */
    public List<RunningProcess> processes() {
        return List.copyOf(processes.values());
    }

    /**
     * Stops everything: no new spawns; every process group gets SIGTERM, then SIGKILL after {@code grace}
     * (including members left behind by a leader that already exited); then all processes are released.
     * Blocks until the leaders are reaped or a further few seconds have passed.
     */
    public void shutdown(Duration grace) {
        synchronized (this) {
            shutDown = true;
        }
        List<RunningProcess> all = processes();
        if (!all.isEmpty()) {
            for (RunningProcess p : all) {
                p.signal(LibC.SIGTERM);
            }
            awaitExits(all, grace);
            for (RunningProcess p : all) {
                p.signal(LibC.SIGKILL);
            }
            awaitExits(all, Duration.ofSeconds(5));
            for (RunningProcess p : all) {
                p.release();
            }
        }
        if (cgroups != null) {
            cgroups.close();
        }
    }

    /** {@link #shutdown} with a one-second grace. */
    @Override
    public void close() {
        shutdown(Duration.ofSeconds(1));
    }

    private static void awaitExits(List<RunningProcess> all, Duration timeout) {
        CompletableFuture<?>[] exits = all.stream().map(RunningProcess::exit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // proceed: the next step is harsher
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Spawns from a thread running at niceness {@code nice}. Setting the niceness after the spawn would race with
     * the command (a quick one runs, or even finishes, at the daemon's niceness); on Linux niceness is per thread
     * and a child starts with its creating thread's, so it is right from the first instruction.
     */
    private int startChildNiced(int nice, String executable, List<String> args, SpawnSpec spec, int groupFd,
                                int stdinFd, int outFd, int errFd) throws SpawnException {
        Future<Integer> pid = niceSpawner(nice).submit(() -> startChild(executable, args, spec, groupFd, stdinFd,
                outFd, errFd));
        // Waited for even when interrupted: a spawn that happens anyway must not leave a process nobody watches.
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return pid.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SpawnException x) {
                        throw x;
                    }
                    if (e.getCause() instanceof CloneRefused x) {
                        throw x;
                    }
                    throw new SpawnException("exec failed: " + e.getCause(), 0);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One lazily made thread per niceness 1..19; an idle one goes away (a new one renices itself again). */
    private static final ExecutorService[] NICE_SPAWNERS = new ExecutorService[20];

    private static synchronized ExecutorService niceSpawner(int nice) {
        if (NICE_SPAWNERS[nice] == null) {
            ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(() -> {
                    // PRIO_PROCESS with who 0 is the calling thread only, under Linux's per-thread nice values.
                    if (C.setpriority(LibC.PRIO_PROCESS, 0, nice) != 0) {
                        LOG.log(Level.DEBUG, "setpriority(thread, {0}): {1}", nice, Native.strerror(Native.errno()));
                    }
                    r.run();
                }, "spawn-nice-" + nice);
                t.setDaemon(true);
                return t;
            });
            e.allowCoreThreadTimeOut(true);
            NICE_SPAWNERS[nice] = e;
        }
        return NICE_SPAWNERS[nice];
    }

    /**
     * posix_spawn, or with {@code groupFd} other than -1 the same child made inside that cgroup by clone3
     * ({@link IntoCgroup}).
     */
    private int startChild(String executable, List<String> args, SpawnSpec spec, int groupFd, int stdinFd,
                           int outFd, int errFd) throws SpawnException {
        List<byte[]> argv = new ArrayList<>(args.size());
        for (String a : args) {
            argv.add(Native.cstring(a));
        }
        List<byte[]> envp = new ArrayList<>(spec.env().size());
        spec.env().forEach((k, v) -> envp.add(Native.cstring(k + "=" + v)));
        byte[] exe = Native.cstring(executable);
        byte[] dir = spec.dir() != null ? Native.cstring(spec.dir()) : null;

        // One block holds the pid, the opaque glibc structures, argv[] and envp[] and all their strings.
        long argvOff = ARRAYS_OFF;
        long envpOff = argvOff + 8L * (argv.size() + 1);
        long stringsOff = envpOff + 8L * (envp.size() + 1);
        long total = stringsOff + exe.length + (dir != null ? dir.length : 0);
        for (byte[] b : argv) {
            total += b.length;
        }
        for (byte[] b : envp) {
            total += b.length;
        }
        Pointer mem = Native.malloc(total);
        Pointer attr = mem.slice(ATTR_OFF);
        Pointer actions = mem.slice(ACTIONS_OFF);
        boolean attrReady = false;
        boolean actionsReady = false;
        try {
            long[] cursor = {stringsOff};
            long exeAddr = put(mem, cursor, exe);
            long dirAddr = dir != null ? put(mem, cursor, dir) : 0;
            for (int i = 0; i < argv.size(); i++) {
                mem.putAddress(argvOff + 8L * i, put(mem, cursor, argv.get(i)));
            }
            mem.putAddress(argvOff + 8L * argv.size(), 0L);
            for (int i = 0; i < envp.size(); i++) {
                mem.putAddress(envpOff + 8L * i, put(mem, cursor, envp.get(i)));
            }
            mem.putAddress(envpOff + 8L * envp.size(), 0L);

            if (groupFd >= 0) {
                int rc = IntoCgroup.lib().taskfs_spawn(mem.slice(PID_OFF), groupFd, Pointer.wrap(Native.RUNTIME,
                        exeAddr), mem.slice(argvOff), mem.slice(envpOff), stdinFd, outFd, errFd,
                        dir != null ? Pointer.wrap(Native.RUNTIME, dirAddr) : null);
                if (rc < 0) {
                    throw new CloneRefused(-rc);
                }
                return spawned(rc, mem, spec);
            }

            check(C.posix_spawnattr_init(attr), "posix_spawnattr_init");
            attrReady = true;
            check(C.posix_spawnattr_setflags(attr,
                    (short) (LibC.POSIX_SPAWN_SETPGROUP | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)),
                    "posix_spawnattr_setflags");
            check(C.posix_spawnattr_setpgroup(attr, 0), "posix_spawnattr_setpgroup");
            check(C.posix_spawnattr_setsigmask(attr, NO_SIGNALS), "posix_spawnattr_setsigmask");
            check(C.posix_spawnattr_setsigdefault(attr, ALL_SIGNALS), "posix_spawnattr_setsigdefault");

            check(C.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            actionsReady = true;
            check(C.posix_spawn_file_actions_adddup2(actions, stdinFd, 0), "posix_spawn_file_actions_adddup2");
            check(C.posix_spawn_file_actions_adddup2(actions, outFd, 1), "posix_spawn_file_actions_adddup2");
            check(C.posix_spawn_file_actions_adddup2(actions, errFd, 2), "posix_spawn_file_actions_adddup2");
            // Most JVM descriptors (sockets, jars, other tasks' logs) are not close-on-exec; none may leak.
            check(C.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
            if (dir != null) {
                check(C.posix_spawn_file_actions_addchdir_np(actions, Pointer.wrap(Native.RUNTIME, dirAddr)),
                        "posix_spawn_file_actions_addchdir_np");
            }

            return spawned(C.posix_spawn(mem.slice(PID_OFF), Pointer.wrap(Native.RUNTIME, exeAddr), actions, attr,
                    mem.slice(argvOff), mem.slice(envpOff)), mem, spec);
        } finally {
            if (actionsReady) {
                C.posix_spawn_file_actions_destroy(actions);
            }
            if (attrReady) {
                C.posix_spawnattr_destroy(attr);
            }
            Native.free(mem);
        }
    }

    /** The pid stored at the start of {@code mem}, or devcmd's message for the errno {@code rc}. */
    private static int spawned(int rc, Pointer mem, SpawnSpec spec) throws SpawnException {
        if (rc != 0) {
            if (spec.dir() != null) {
                checkDir(spec.dir()); // the directory may have gone since we looked
            }
            throw new SpawnException("exec failed: " + spec.argv().get(0) + ": " + Native.strerror(rc), rc);
        }
        return mem.getInt(PID_OFF);
    }

    private static long put(Pointer mem, long[] cursor, byte[] bytes) {
        long off = cursor[0];
        mem.put(off, bytes, 0, bytes.length);
        cursor[0] = off + bytes.length;
        return mem.address() + off;
    }

    private static void check(int rc, String what) throws SpawnException {
        if (rc != 0) {
            throw failure(what, rc);
        }
    }

    private static SpawnException failure(String what, int errno) {
        return new SpawnException("exec failed: " + what + ": " + Native.strerror(errno), errno);
    }

    /** devcmd checks the directory by chdir'ing into it; we look first so the error names the directory. */
    /**
     * util-linux's setpriv switches to the user (real and effective uid and gid, exactly these groups) and then
     * executes the command: posix_spawn cannot change credentials itself, and a JVM must not fork to do it. The
     * same pid runs the command, so process group, niceness and reaping are unchanged.
     */
    static final String SETPRIV = "/usr/bin/setpriv";

    /** Where there is no clone3 into a cgroup: runs the few words that move a child there before the command. */
    static final String SH = "/bin/sh";

    static List<String> asUser(Credentials as, List<String> argv) {
        List<String> out = new ArrayList<>();
        out.add("setpriv");
        out.add("--reuid=" + as.uid());
        out.add("--regid=" + as.gid());
        if (as.groups().isEmpty()) {
            out.add("--clear-groups");
        } else {
            StringBuilder g = new StringBuilder();
            for (int id : as.groups()) {
                g.append(g.length() == 0 ? "" : ",").append(id);
            }
            out.add("--groups=" + g);
        }
        // setpriv looks the command up in the task's PATH (its environment) as the user: the command keeps the
        // argv[0] it was given, and the check above has already named a command that is missing altogether.
        out.add("--");
        out.addAll(argv);
        return out;
    }

    /** The errors execve would give for a path to no executable file, as posix_spawn reports them. */
    private static void checkExecutable(String cmd, SpawnSpec spec) throws SpawnException {
        Path onDisk = spec.dir() != null ? spec.dir().resolve(cmd) : Path.of(cmd);
        int errno = !Files.exists(onDisk) ? LibC.ENOENT
                : Files.isRegularFile(onDisk) && Files.isExecutable(onDisk) ? 0 : LibC.EACCES;
        if (errno != 0) {
            throw new SpawnException("exec failed: " + cmd + ": " + Native.strerror(errno), errno);
        }
    }

    private static void checkDir(Path dir) throws SpawnException {
        int fd = C.open(Native.cstring(dir), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new SpawnException("can't chdir to " + dir + ": " + Native.strerror(errno), errno);
        }
        C.close(fd);
    }

    /**
     * Finds {@code cmd} as execvp would, but in the PATH of the child's environment rather than the daemon's
     * (glibc's posix_spawnp only knows the latter), so the error names the command: {@code exec failed: CMD:
     * No such file or directory}, or {@code Permission denied} if only non-executable candidates exist.
     * Relative PATH entries are taken relative to the child's working directory.
     */
    static String resolve(String cmd, SpawnSpec spec) throws SpawnException {
        if (cmd.isEmpty()) {
            throw new SpawnException("exec failed: " + cmd + ": " + Native.strerror(LibC.ENOENT), LibC.ENOENT);
        }
        if (cmd.indexOf('/') >= 0) {
            return cmd;
        }
        String path = spec.env().get("PATH");
        if (path == null) {
            path = System.getenv("PATH");
        }
        if (path == null) {
            path = "/bin:/usr/bin";
        }
        boolean denied = false;
        for (String entry : path.split(":", -1)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry).resolve(cmd);
            Path onDisk = spec.dir() != null ? spec.dir().resolve(candidate) : candidate;
            if (Files.isRegularFile(onDisk) && Files.isExecutable(onDisk)) {
                return candidate.toString();
            }
            if (Files.exists(onDisk)) {
                denied = true;
            }
        }
        int errno = denied ? LibC.EACCES : LibC.ENOENT;
        throw new SpawnException("exec failed: " + cmd + ": " + Native.strerror(errno), errno);
    }

    private static int openLog(Path log) throws SpawnException {
        int fd = C.open(Native.cstring(log), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND | LibC.O_CLOEXEC, 0600);
        if (fd < 0) {
            int errno = Native.errno();
            throw new SpawnException("can't open " + log + ": " + Native.strerror(errno), errno);
        }
        return aboveStdio(fd);
    }

    /**
     * A daemon started with 0, 1 or 2 closed could get one of those numbers for our descriptors, and the child's
     * dup2 onto 0..2 would then clobber them; move such a descriptor higher.
     */
    private static int aboveStdio(int fd) {
        if (fd > 2) {
            return fd;
        }
        int moved = C.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        C.close(fd);
        return moved;
    }

    /** A pidfd for our unreaped child {@code pid}, or -1 if there can be none (the loop then polls the pid). */
    private static int openPidfd(int pid) {
        int fd = Native.pidfdOpen(pid);
        if (fd < 0 && WARNED_PIDFD.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "pidfd_open: {0}; such processes are checked for their exit every {1} ms",
                    Native.strerror(Native.errno()), IoLoop.REAP_POLL_INTERVAL_MS);
        }
        return fd;
    }
}
