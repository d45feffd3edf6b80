package org.taskfs.task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;

/**
 * The sessions of a server, numbered from 0 and never reused (a reused number would let a client's cached qid
 * name another session). Sweeps out sessions finished and untouched for the idle timeout.
 */
public final class Sessions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Sessions.class.getName());
    private static final int SPLICE_CHUNK = 32 * 1024;

    /** Opens a path of this server's tree for reading as a session's owner (splice). */
    @FunctionalInterface
    interface Opener {
        CompletableFuture<OpenFile> open(Session as, String path);
    }

    private final Map<Integer, Session> sessions = new ConcurrentSkipListMap<>();
    /** The sessions each connection holds ({@code hold}), by connection id. */
    private final Map<Long, Set<Session>> held = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Backend backend;
    private final Opener files;
    private final Duration idleTimeout;
    private final ScheduledExecutorService sweeper;
    private volatile Map<String, String> defaultEnv = Map.of();
    private final ResQueue queue;
    private volatile SessionStore store = SessionStore.NONE;

    Sessions(Backend backend, Opener files, Duration idleTimeout) {
        this.backend = backend;
        this.files = files;
        this.idleTimeout = idleTimeout;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, Math.min(idleTimeout.toMillis() / 4, 30_000));
        sweeper.scheduleAtFixedRate(this::sweepIdle, period, period, TimeUnit.MILLISECONDS);
        this.queue = new ResQueue(backend, sweeper);
        backend.onCapacity(queue::kick);
    }

    /** The reservations waiting for slots. */
    public ResQueue queue() {
        return queue;
    }

    /** Where sessions are kept for a restart from now on. */
    public void keepIn(SessionStore s) {
        store = s;
    }

    public SessionStore store() {
        return store;
    }

    /**
     * A session taken back after a restart, with its number: later sessions are numbered after it, so no number
     * is given twice.
     */
    public Session restore(SessionState st, List<Part> parts) {
        Session s = new Session(st.id(), st.owner(), this, st.env());
        s.restore(st, parts);
        sessions.put(st.id(), s);
        next.accumulateAndGet(st.id() + 1, Math::max);
        return s;
    }

    /** Numbers from {@code n} on are free (a restart that knows the last one given). */
    public void numberFrom(int n) {
        next.accumulateAndGet(n, Math::max);
    }

    /** The number the next session will have. */
    public int nextNumber() {
        return next.get();
    }

    public Session create(String owner) {
        int id = next.getAndIncrement();
        Session s = new Session(id, owner, this, defaultEnv);
        sessions.put(id, s);
        return s;
    }

    public Session get(int id) {
        return sessions.get(id);
    }

    public List<Session> sessions() {
        return new ArrayList<>(sessions.values());
    }

    public CompletableFuture<Void> release(Session s) {
        if (!sessions.remove(s.id(), s)) {
            return CompletableFuture.completedFuture(null);
        }
        // Its slots are free once its parts have let them go: a waiting reservation may have them.
        CompletableFuture<Void> forgotten = store.forgotten(s);
        return s.releaseNow().whenComplete((v, e) -> queue.kick())
                .thenCombine(forgotten.exceptionally(e -> null), (a, b) -> null);
    }

    /**
     * Releases {@code s} after the backend's orphan grace, unless the returned future is cancelled first: a held
     * session whose holder has gone. (A holder taking the session back cancels it by writing {@code hold} again;
     * merely reading its files, as monitoring does, does not.)
     */
    java.util.concurrent.Future<?> releaseOrphanLater(Session s) {
        Duration grace = backend.orphanGrace();
        LOG.log(System.Logger.Level.INFO, "session {0}: its holder has gone; released in {1} s unless taken back",
                s.id(), grace.toSeconds());
        return sweeper.schedule(() -> {
            LOG.log(System.Logger.Level.INFO, "releasing orphaned session {0}", s.id());
            release(s);
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Backend backend() {
        return backend;
    }

    /** {@code s} is now held by connection {@code now} ({@code before}: its previous holder, or null). */
    void holding(Session s, Long before, long now) {
        if (before != null) {
            notHeld(s, before);
        }
        held.computeIfAbsent(now, k -> ConcurrentHashMap.newKeySet()).add(s);
    }

    void notHeld(Session s, long by) {
        held.computeIfPresent(by, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    /** A connection has closed: the sessions it held become orphans. */
    void connectionClosed(long id) {
        Set<Session> orphans = held.remove(id);
        if (orphans != null) {
            for (Session s : orphans) {
                s.connectionClosed(id);
            }
        }
    }

    /** The root env: what new sessions start with. */
    public String defaultEnv() {
        return EnvLines.format(defaultEnv);
    }

    /** Sets the root env; completes once the store keeps it (at once without one). */
    public CompletableFuture<Void> defaultEnv(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        EnvLines.parseInto(text, env);
        defaultEnv = java.util.Collections.unmodifiableMap(env); // in the order written
        return store.rootEnvChanged(defaultEnv);
    }

    public Map<String, String> defaultEnvMap() {
        return defaultEnv;
    }

    /**
     * Copies the file at {@code path} (in this server's tree) into the stdin of {@code s}'s task {@code task}
     * (-1: the session's, spread by its input mode) until its end, then closes that stdin. Runs in the
     * background; the ctl write returns at once.
     */
    /** Completes once {@code path} is open (or fails with why it cannot be); the copy goes on behind. */
    CompletableFuture<Void> splice(Session s, String path, int task) {
        // Registered now, so that an eof written after this splice waits for it (DESIGN: eof keeps its order).
        CompletableFuture<Void> copied = new CompletableFuture<>();
        s.splicing(task, copied);
        return files.open(s, path).handle((from, e) -> {
            if (e != null) {
                // Nothing was opened for writing: the task's input stays as it was, open to other writers.
                copied.complete(null);
                throw new StyxException(Failures.text(e));
            }
            copy(new Source(from::read, from::clunk), new SpreadWriter(s, task), 0, copied);
            return null;
        });
    }

    /**
     * xsplice: task {@code src}'s stdout into task {@code dst}'s stdin. SRC usually runs after this, so unlike a
     * user's read of its stdout this one waits for its next run rather than ending because none is asked yet.
     */
    CompletableFuture<Void> spliceTask(Session s, int src, int dst) {
        GatherReader from = new GatherReader(s, src, false, true);
        s.ref(); // as an open stdout would: the session is in use while the copy goes on
        CompletableFuture<Void> copied = new CompletableFuture<>();
        s.splicing(dst, copied);
        copy(new Source(from::read, () -> {
            from.close();
            s.unref();
        }), new SpreadWriter(s, dst), 0, copied);
        return CompletableFuture.completedFuture(null);
    }

    /** What a splice copies from. */
    private record Source(BiFunction<Long, Integer, CompletableFuture<byte[]>> reader, Runnable done) {}

    /** Copies until the source's end, then closes {@code to}; {@code copied} completes once all is written. */
    private void copy(Source from, SpreadWriter to, long offset, CompletableFuture<Void> copied) {
        from.reader().apply(offset, SPLICE_CHUNK).thenCompose(b -> b.length == 0
                ? CompletableFuture.completedFuture(-1)
                : to.write(b).thenApply(n -> b.length)).whenComplete((n, e) -> {
                    if (e != null || n < 0) {
                        if (e != null) {
                            LOG.log(System.Logger.Level.WARNING, "splice stopped: {0}", e.toString());
                        }
                        from.done().run();
                        to.close().whenComplete((v, x) -> copied.complete(null));
                    } else {
                        copy(from, to, offset + n, copied);
                    }
                });
    }

    private void sweepIdle() {
        long cutoff = System.nanoTime() - idleTimeout.toNanos();
        for (Session s : sessions()) {
            if (s.isIdleSince(cutoff)) {
                LOG.log(System.Logger.Level.DEBUG, "releasing idle session {0}", s.id());
                release(s);
            }
        }
    }

    /** Releases every session (their tasks are killed where they run), then stops the backend. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Session s : sessions()) {
            all.add(release(s));
        }
        try {
            Session.allOf(all).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "sessions not all released: {0}", e.toString());
        }
        sweeper.shutdownNow();
        backend.close();
    }
}
