package org.taskfs.coord.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.taskfs.coord.pool.Pool;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.task.EnvLines;
import org.taskfs.task.Scratch;

/**
 * The sessions of a coordinator, numbered from 0 and never reused. Sweeps out sessions that are
 * finished and untouched for the idle timeout.
 */
public final class SessionTable implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionTable.class.getName());
    private static final int SPLICE_CHUNK = 32 * 1024;

    private final Map<Integer, Session> sessions = new ConcurrentSkipListMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Pool pool;
    private final Path scratchRoot;
    private final Duration idleTimeout;
    private final ScheduledExecutorService sweeper;
    private volatile String address = "";
    private volatile Map<String, String> defaultEnv = Map.of();
    /** Opens a path of this coordinator's tree for reading, for splice; set by the file tree. */
    private volatile BiFunction<Session, String, CompletableFuture<OpenFile>> localFiles;

    public SessionTable(Pool pool, Path scratchRoot, Duration idleTimeout) {
        this.pool = pool;
        this.scratchRoot = scratchRoot;
        this.idleTimeout = idleTimeout;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, Math.min(idleTimeout.toMillis() / 4, 30_000));
        sweeper.scheduleAtFixedRate(this::sweepIdle, period, period, TimeUnit.MILLISECONDS);
    }

    public Session create(String owner) {
        int id = next.getAndIncrement();
        Path dir = scratchRoot.resolve(Integer.toString(id));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the session directory " + dir, e);
        }
        Session s = new Session(id, owner, this, dir, defaultEnv);
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
        return s.releaseNow().whenComplete((v, e) -> Scratch.deleteTree(s.scratch()));
    }

    public Pool pool() {
        return pool;
    }

    /** The dial string of this coordinator, given to tasks as TASKFS_ADDR. */
    public String address() {
        return address;
    }

    public void address(String dial) {
        address = dial;
    }

    public String defaultEnv() {
        return EnvLines.format(defaultEnv);
    }

    public void defaultEnv(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        EnvLines.parseInto(text, env);
        defaultEnv = Map.copyOf(env);
    }

    public void localFiles(BiFunction<Session, String, CompletableFuture<OpenFile>> opener) {
        localFiles = opener;
    }

    /**
     * Copies the file at {@code path} (in this coordinator's tree) into the stdin of {@code target}
     * until its end, then closes that stdin. Runs in the background; the ctl write returns at once.
     */
    void splice(Session s, String path, TaskView target) {
        SpreadWriter to = new SpreadWriter(s, target);
        localFiles.apply(s, path).whenComplete((from, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "splice {0}: {1}", path, e.toString());
                to.close();
                return;
            }
            copy(from, to, 0);
        });
    }

    private void copy(OpenFile from, SpreadWriter to, long offset) {
        from.read(offset, SPLICE_CHUNK).thenCompose(b -> b.length == 0
                ? CompletableFuture.completedFuture(-1)
                : to.write(b).thenApply(n -> b.length)).whenComplete((n, e) -> {
                    if (e != null || n < 0) {
                        if (e != null) {
                            LOG.log(System.Logger.Level.WARNING, "splice stopped: {0}", e.toString());
                        }
                        from.clunk();
                        to.close();
                    } else {
                        copy(from, to, offset + n);
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


    /** Releases every session: the tasks they hold are killed on their members. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Session s : sessions()) {
            all.add(release(s));
        }
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "sessions not all released: {0}", e.toString());
        }
        sweeper.shutdownNow();
    }
}
