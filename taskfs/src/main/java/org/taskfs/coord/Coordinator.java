package org.taskfs.coord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.coord.pool.Pool;
import org.taskfs.coord.session.CoordinatorTasks;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.task.Scratch;
import org.taskfs.task.Sessions;
import org.taskfs.task.TaskTree;

/** A running coordinator: the pool of mounted servers and the sessions, served over 9P. */
public final class Coordinator implements AutoCloseable {
    /** The coordinator's default port, as in the seed transcript. */
    public static final int DEFAULT_PORT = 5555;

    /** A server to mount at start: its address and, optionally, a name. */
    public record MemberSpec(DialAddress address, String name) {}

    /**
     * @param listen      where to serve (port 0 picks one)
     * @param members     servers to mount at start
     * @param scratch     where sessions keep their copies of output; null for one under java.io.tmpdir
     * @param idleTimeout how long a finished, untouched session is kept
     * @param pool        heartbeat and timeouts towards members
     */
    public record Config(DialAddress listen, List<MemberSpec> members, Path scratch, Duration idleTimeout,
                         Pool.Settings pool) {
        public static Config defaults(DialAddress listen) {
            return new Config(listen, List.of(), null, Duration.ofMinutes(10), Pool.Settings.DEFAULTS);
        }

        public Config withMembers(List<MemberSpec> list) {
            return new Config(listen, List.copyOf(list), scratch, idleTimeout, pool);
        }

        public Config withPool(Pool.Settings settings) {
            return new Config(listen, members, scratch, idleTimeout, settings);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(listen, members, scratch, d, pool);
        }
    }

    private final Pool pool;
    private final TaskTree tree;
    private final StyxServer server;
    /** The scratch directory the coordinator made itself, removed when it stops; null if it was given one. */
    private final Path ownScratch;

    private Coordinator(Pool pool, TaskTree tree, StyxServer server, Path ownScratch) {
        this.pool = pool;
        this.tree = tree;
        this.server = server;
        this.ownScratch = ownScratch;
    }

    /**
     * Starts serving and mounts the configured members; completes when every member answered or
     * was found unreachable (those are kept and dialled again until they answer).
     */
    public static Coordinator start(Config config) {
        Path scratch = config.scratch();
        try {
            if (scratch == null) {
                scratch = Files.createTempDirectory("taskfs-coordinator-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a scratch directory", e);
        }
        Pool pool = new Pool(config.pool(), System.getProperty("user.name", "taskfs"));
        CoordinatorTasks tasks = new CoordinatorTasks(pool, scratch);
        TaskTree tree = new TaskTree(tasks, config.idleTimeout());
        StyxServer server;
        try {
            server = StyxServer.listen(config.listen(), tree, ServerOptions.DEFAULTS);
        } catch (RuntimeException e) {
            tree.close();
            pool.close();
            throw e;
        }
        tasks.address(server.address().toString());
        Coordinator c = new Coordinator(pool, tree, server, config.scratch() == null ? scratch : null);
        List<CompletableFuture<Member>> mounting = new ArrayList<>();
        for (MemberSpec m : config.members()) {
            mounting.add(pool.add(m.address(), m.name(), null));
        }
        CompletableFuture.allOf(mounting.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null).join();
        return c;
    }

    public DialAddress address() {
        return server.address();
    }

    public Pool pool() {
        return pool;
    }

    public Sessions sessions() {
        return tree.sessions();
    }

    /** Releases every session (killing their tasks on the members), then stops serving. */
    @Override
    public void close() {
        tree.close();
        server.close();
        pool.close();
        if (ownScratch != null) {
            Scratch.deleteTree(ownScratch);
        }
    }
}
