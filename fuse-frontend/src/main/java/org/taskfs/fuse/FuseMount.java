package org.taskfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RedialingClient;
import org.taskfs.styx.client.StyxConnectionException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;

/**
 * A 9P2000 server mounted on a local directory with FUSE (libfuse2 through jnr-fuse).
 *
 * <pre>{@code
 * try (FuseMount m = FuseMount.mount(DialAddress.parse("tcp!127.0.0.1!5555", 5555), Path.of("/mnt/taskfs"),
 *         FuseMount.Options.defaults())) {
 *     // cat /mnt/taskfs/clone, echo exec hostname > /mnt/taskfs/0/ctl, …
 * }
 * }</pre>
 *
 * <p>{@link #mount} returns once the kernel has the mount; {@link #close()} returns once it is gone.
 * Files of length 0 (synthetic) are served with direct I/O, so they read whole and one write(2) is
 * one Twrite; {@code echo cmd > ctl} works (O_TRUNC becomes OTRUNC in the Topen). A read that blocks
 * (a task's {@code wait}) does not hold up anything else, and a signal to the reader (Ctrl-C) flushes
 * it. A request the server refuses fails with the errno its words stand for
 * ({@link org.taskfs.styx.server.Errno}: EINVAL for a bad command, EBUSY, EAGAIN…), and the words go to the
 * mount's log ({@link Options#log}). When the connection is lost the mount dials again ({@link RedialingClient}:
 * the addresses in turn, with back-off), re-opens its open files by path and goes on; operations wait for it up
 * to {@link Options#reconnectTimeout}, then fail with EIO, and the mount can be unmounted all the while.
 */
public final class FuseMount implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FuseMount.class.getName());
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration UNMOUNT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * How to mount.
     *
     * @param attrTimeout    how long attributes of ordinary files (and only those: never directories
     *                       or files of length 0) may be served from a cache; ZERO for none
     * @param entryTimeout   how long the kernel may keep a name it has looked up without asking again
     *                       (its dentry cache). Attributes are not part of that: every stat still comes to
     *                       us, and every operation walks its path on the server, so a name removed
     *                       meanwhile fails with ENOENT all the same; what it saves is a walk per path
     *                       element per system call. New names show at once (nothing negative is cached).
     * @param uname          the user name to attach as
     * @param aname          the tree to attach to ("" for the server's default)
     * @param msize          the message size asked for: 128 KiB of data per message by default, the
     *                       most the kernel sends in one FUSE request, so one read(2) or write(2) is
     *                       one Tread or Twrite
     * @param requestTimeout how long a request other than a read or write may take before it fails
     *                       with EIO (reads and writes may block for ever: {@code wait}, {@code stdout})
     * @param allowOther     let other users use the mount (needs user_allow_other in /etc/fuse.conf
     *                       unless root)
     * @param debug          libfuse's -d: every FUSE request traced on standard error
     * @param auth           how to authenticate to the server ({@code --auth}); a local server knows us
     *                       from the kernel
     * @param perUser        each local user gets their own view: a connection attached as them at their
     *                       first request (for a mount by root, whom the server lets attach as anyone; v9fs's
     *                       access=user); with allowOther, for a node's tasks of every user
     * @param log            the file the mount appends what the server refused to, with the operation and
     *                       path ({@link MountLog}); null for none (System.Logger then has it)
     * @param reconnectTimeout how long an operation waits for a lost connection to be made again before it
     *                       fails with EIO ({@link RedialingClient}); ZERO: not at all
     */
    public record Options(Duration attrTimeout, Duration entryTimeout, String uname, String aname, int msize,
                          Duration requestTimeout,
                          boolean allowOther, boolean debug, AuthMethod auth, boolean perUser, Path log,
                          Duration reconnectTimeout) {
        public Options {
            Objects.requireNonNull(attrTimeout, "attrTimeout");
            Objects.requireNonNull(entryTimeout, "entryTimeout");
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(reconnectTimeout, "reconnectTimeout");
            if (attrTimeout.isNegative() || entryTimeout.isNegative() || requestTimeout.isNegative()
                    || reconnectTimeout.isNegative()) {
                throw new IllegalArgumentException("timeouts must not be negative; ZERO means none");
            }
            if (msize < P9.MIN_MSIZE || msize > P9.MAX_MSIZE) {
                throw new IllegalArgumentException("msize " + msize + " is out of range; expected "
                        + P9.MIN_MSIZE + ".." + P9.MAX_MSIZE);
            }
        }

        /** Ordinary files' attributes and names cached 1 s; the current user; 128 KiB of data per message. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(1), System.getProperty("user.name", "none"),
                    "", 128 * 1024 + P9.IOHDRSZ, ClientOptions.DEFAULT_REQUEST_TIMEOUT, false, false,
                    AuthMethod.NONE, false, null, RedialingClient.DEFAULT_RECONNECT_TIMEOUT);
        }

        public Options withAttrTimeout(Duration d) {
            return new Options(d, entryTimeout, uname, aname, msize, requestTimeout, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withEntryTimeout(Duration d) {
            return new Options(attrTimeout, d, uname, aname, msize, requestTimeout, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withUname(String u) {
            return new Options(attrTimeout, entryTimeout, u, aname, msize, requestTimeout, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withAname(String a) {
            return new Options(attrTimeout, entryTimeout, uname, a, msize, requestTimeout, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withMsize(int m) {
            return new Options(attrTimeout, entryTimeout, uname, aname, m, requestTimeout, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, d, allowOther, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withAllowOther(boolean b) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, b, debug, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withDebug(boolean b) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, allowOther, b, auth, perUser, log,
                    reconnectTimeout);
        }

        public Options withPerUser(boolean b) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, allowOther, debug, auth, b, log,
                    reconnectTimeout);
        }

        public Options withAuth(AuthMethod method) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, allowOther, debug,
                    method, perUser, log,
                    reconnectTimeout);
        }

        /**
         * How long an operation waits for the connection to come back after a loss before it fails with EIO
         * (ZERO: not at all); the mount goes on redialing either way.
         */
        public Options withReconnectTimeout(Duration d) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, allowOther, debug, auth,
                    perUser, log, d);
        }

        /** Refused requests are noted in {@code file} (appended; made 0600 if new). */
        public Options withLog(Path file) {
            return new Options(attrTimeout, entryTimeout, uname, aname, msize, requestTimeout, allowOther, debug, auth, perUser, file,
                    reconnectTimeout);
        }
    }

    private final List<DialAddress> servers;
    private final Path dir;
    private final RedialingClient client;
    /** Writes the redial events to the log off the event loop, in order. */
    private final java.util.concurrent.ExecutorService events;
    private final StyxFuse fs;
    private final Thread loop;
    /** Completes when libfuse's loop has returned: the kernel has let go of the mount. */
    private final CompletableFuture<Void> loopEnded;
    private final MountLog log;
    private final Object closeLock = new Object();
    private CompletableFuture<Void> closing;

    private FuseMount(List<DialAddress> servers, Path dir, RedialingClient client, StyxFuse fs, Thread loop,
                      CompletableFuture<Void> loopEnded, MountLog log, java.util.concurrent.ExecutorService events) {
        this.log = log;
        this.events = events;
        this.servers = servers;
        this.dir = dir;
        this.client = client;
        this.fs = fs;
        this.loop = loop;
        this.loopEnded = loopEnded;
    }

    /**
     * Connects to {@code server}, mounts it on {@code dir} and returns once the kernel has the mount
     * (libfuse has received the kernel's INIT). A dead FUSE mount left on {@code dir} (its server
     * was killed) is cleared first.
     *
     * @throws IOException if FUSE is missing, the directory is not an empty directory, the server
     *                     cannot be reached or attached, or the mount fails
     */
    public static FuseMount mount(DialAddress server, Path dir, Options options) throws IOException {
        return mount(List.of(Objects.requireNonNull(server, "server")), dir, options);
    }

    /**
     * Mounts the first of {@code servers} that answers; when its connection is lost the mount fails over to
     * the next (and comes back round), see {@link RedialingClient}.
     */
    public static FuseMount mount(List<DialAddress> servers, Path dir, Options options) throws IOException {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server to mount");
        }
        String server = RedialingClient.describe(servers);
        Objects.requireNonNull(options, "options");
        FuseNative.checkAvailable();
        Path at = MountTable.canonical(dir);
        if (MountTable.isStale(at)) {
            MountTable.clearStale(at, UNMOUNT_TIMEOUT);
        }
        checkMountPoint(at);

        MountLog log = options.log() == null ? MountLog.none() : MountLog.open(options.log());
        java.util.concurrent.ExecutorService events = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "taskfs-mount-log " + at);
            t.setDaemon(true);
            return t;
        });
        RedialingClient client;
        try {
            client = connect(servers, options, log, events);
        } catch (IOException | RuntimeException e) {
            log.close();
            events.shutdown();
            throw e;
        }
        StyxFuse fs;
        try {
            fs = new StyxFuse(client, options.uname(), options.attrTimeout(), !options.perUser() ? null : user -> {
                try {
                    return connect(servers, options.withUname(user), log, events);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, log);
        } catch (LinkageError | RuntimeException e) {
            client.close();
            log.close();
            events.shutdown();
            throw new IOException("cannot load libfuse2 through jnr-fuse: " + Failures.text(e), e);
        }

        String[] args = mountOptions(server, options);
        CompletableFuture<Void> loopEnded = new CompletableFuture<>();
        Thread loop = new Thread(() -> {
            try {
                // Blocking: fuse_main_real runs libfuse's multithreaded loop until the unmount.
                fs.mount(at, true, options.debug(), args);
                loopEnded.complete(null);
            } catch (Throwable t) {
                loopEnded.completeExceptionally(t);
            } finally {
                fs.markUnmounted();
            }
        }, "fuse-loop " + at);
        loop.setDaemon(true);
        loop.start();

        try {
            CompletableFuture.anyOf(fs.initialized(), loopEnded).get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            // handled below, by what the loop did
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        if (!fs.initialized().isDone()) {
            String why = loopEnded.isCompletedExceptionally()
                    ? Failures.text(Futures.failure(loopEnded).join())
                    : loopEnded.isDone() ? "libfuse returned without mounting (see its message on standard error)"
                    : "the kernel did not start the file system within " + READY_TIMEOUT.toSeconds() + " s";
            client.close();
            log.close();
            events.shutdown();
            if (!loopEnded.isDone()) {
                MountTable.fusermount(at, true);
            }
            throw new IOException("cannot mount " + server + " on " + at + ": " + why);
        }
        FuseMount m = new FuseMount(servers, at, client, fs, loop, loopEnded, log, events);
        fs.umountAction(() -> {
            try {
                m.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "unmount of {0} at exit: {1}", at, e.getMessage());
            }
        });
        // Unmounted from outside (taskfs umount, fusermount -u): let go of the server and the log too.
        loopEnded.whenComplete((v, e) -> {
            client.close();
            fs.closeViews();
            closeLog(log, events);
        });
        LOG.log(System.Logger.Level.DEBUG, "mounted {0} on {1}", server, at);
        return m;
    }

    /** Connected and attached now, so a refusal is an error of mount, not of every file. */
    private static RedialingClient connect(List<DialAddress> servers, Options options, MountLog log,
                                           java.util.concurrent.Executor events) throws IOException {
        ClientOptions co = ClientOptions.defaults().withMsize(options.msize()).withUname(options.uname())
                .withAname(options.aname()).withRequestTimeout(options.requestTimeout())
                .withAuth(options.auth());
        String server = RedialingClient.describe(servers);
        try {
            // Told on an event loop: the log is written on a thread of its own.
            return RedialingClient.connect(servers, co, options.reconnectTimeout(), text -> noteLater(events, () ->
                    log.note(System.Logger.Level.WARNING, "mount", "/", text + " (as " + options.uname() + ")",
                            false))).get();
        } catch (ExecutionException e) {
            Throwable cause = Failures.cause(e);
            String what = cause instanceof StyxConnectionException ? "cannot connect to " + server
                    : "cannot attach to " + server + " as " + options.uname();
            throw new IOException(what + ": " + Failures.text(e), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + server);
        }
    }

    private static void closeLog(MountLog log, java.util.concurrent.ExecutorService events) {
        synchronized (events) {
            if (!events.isShutdown()) {
                events.execute(log::close); // after what is still to be written
                events.shutdown();
            }
        }
    }

    /** A redial event for the log; none once the mount has ended. */
    private static void noteLater(java.util.concurrent.Executor events, Runnable note) {
        try {
            events.execute(note);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the mount has ended and its log is closed
        }
    }

    /** Refuses a place the kernel would refuse, naming why and what to do: before anything is started for it. */
    public static void checkMountPoint(Path at) throws IOException {
        if (!Files.isDirectory(at)) {
            throw new IOException("cannot mount on " + at + ": " + (Files.exists(at) ? "not a directory"
                    : "no such directory (make it first: mkdir -p " + at + ")"));
        }
        if (MountTable.isMounted(at)) {
            throw new IOException("cannot mount on " + at + ": something is mounted there already (taskfs umount "
                    + at + ")");
        }
        try (Stream<Path> s = Files.list(at)) {
            if (s.findAny().isPresent()) {
                throw new IOException("cannot mount on " + at + ": the directory is not empty");
            }
        }
    }

    private static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /**
     * libfuse options: the kernel caches no attributes (synthetic files change under it; see
     * {@link AttrCache}) and keeps names only for the entry timeout; O_TRUNC reaches open (a shell's
     * {@code > ctl}); writes up to 128 KiB arrive whole. A file removed while open is renamed
     * (.fuse_hidden…) until closed, libfuse's default: with hard_remove reads would go on but every
     * fstat would fail, as the high-level API then has no path to give.
     */
    private static String[] mountOptions(String server, Options options) {
        List<String> o = new ArrayList<>(List.of(
                "fsname=" + server.replace(",", "\\,"),
                "subtype=taskfs",
                "attr_timeout=0", "entry_timeout=" + seconds(options.entryTimeout()), "negative_timeout=0",
                "atomic_o_trunc", "big_writes"));
        if (options.allowOther()) {
            o.add("allow_other");
        }
        return new String[] {"-o", String.join(",", o)};
    }

    public Path dir() {
        return dir;
    }

    /** The first of the servers mounted. */
    public DialAddress server() {
        return servers.get(0);
    }

    /** The servers, in the order they are tried. */
    public List<DialAddress> servers() {
        return servers;
    }

    /** The file refused requests are noted in ({@link Options#log}); null for none. */
    public Path log() {
        return log.file();
    }

    /** Completes when the mount has gone, by {@link #close()} or by an unmount from outside. */
    public CompletableFuture<Void> whenUnmounted() {
        return Futures.settled(loopEnded);
    }

    /**
     * Unmounts and waits until the kernel has let go (libfuse's loop has returned and the mount table
     * no longer lists the directory), then closes the connection. If the mount is busy, a lazy
     * unmount detaches it and the connection is closed first, so that processes blocked on it get
     * EIO and let go. Idempotent; concurrent callers all wait.
     */
    @Override
    public void close() throws IOException {
        CompletableFuture<Void> mine;
        synchronized (closeLock) {
            if (closing != null) {
                mine = null;
            } else {
                closing = new CompletableFuture<>();
                mine = closing;
            }
        }
        if (mine == null) {
            try {
                closing.get();
            } catch (ExecutionException e) {
                throw new IOException(Failures.text(e), Failures.cause(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the unmount of " + dir);
            }
            return;
        }
        try {
            unmountAndWait();
            mine.complete(null);
        } catch (IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            client.close();
            fs.closeViews();
            closeLog(log, events);
            // Once unmounted, the log is whole (or gone, if empty) for whoever looks next.
            try {
                events.awaitTermination(UNMOUNT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void unmountAndWait() throws IOException {
        if (!loopEnded.isDone()) {
            Optional<MountTable.Mount> m = MountTable.find(dir);
            if (m.isPresent()) {
                String busy = MountTable.unmount(dir);
                if (busy != null) {
                    LOG.log(System.Logger.Level.INFO, "{0} was busy ({1}); detached it lazily", dir, busy);
                    // Requests still waiting (a blocked cat) fail with EIO, so their processes let go.
                    client.close();
                    fs.closeViews();
                }
            }
            if (!awaitLoop(UNMOUNT_TIMEOUT) && m.isPresent() && MountTable.abort(m.get())) {
                awaitLoop(UNMOUNT_TIMEOUT);
            }
            if (!loopEnded.isDone()) {
                throw new IOException("unmounted " + dir + " but the FUSE loop has not ended after "
                        + UNMOUNT_TIMEOUT.toSeconds() + " s: a process still holds a file there");
            }
        }
        if (!MountTable.awaitUnmounted(dir, UNMOUNT_TIMEOUT)) {
            throw new IOException(dir + " is still in the mount table after unmounting");
        }
        try {
            loop.join(UNMOUNT_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.DEBUG, "unmounted {0}", dir);
    }

    private boolean awaitLoop(Duration d) {
        try {
            Futures.settled(loopEnded).get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Unmounts whatever FUSE mount is on {@code dir} (for {@code taskfs umount DIR}, when the mount
     * belongs to another process): {@code fusermount -u}, lazily if busy, and waits until the mount
     * table no longer lists it. A dead mount is detached the same way.
     *
     * @throws IOException if nothing is mounted on {@code dir} or it cannot be unmounted
     */
    public static void unmount(Path dir) throws IOException {
        Path at = MountTable.canonical(dir);
        Optional<MountTable.Mount> m = MountTable.find(at);
        if (m.isEmpty()) {
            throw new IOException(at + " is not mounted");
        }
        if (!m.get().isFuse()) {
            throw new IOException(at + " is not a FUSE mount (" + m.get().fsType() + "); not unmounting it");
        }
        MountTable.unmount(at);
        if (!MountTable.awaitUnmounted(at, UNMOUNT_TIMEOUT)) {
            throw new IOException(at + " is still mounted " + UNMOUNT_TIMEOUT.toSeconds() + " s after unmounting");
        }
    }

    /** Open files and directories through this mount: for tests. */
    int openHandles() {
        return fs.openHandles();
    }

    @Override
    public String toString() {
        return "FuseMount[" + RedialingClient.describe(servers) + " on " + dir + "]";
    }
}
