package org.taskfs.coord;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.coord.pool.Pool;
import org.taskfs.coord.pool.SlurmGrowth;
import org.taskfs.coord.session.CoordinatorTasks;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Futures;
import org.taskfs.task.Sessions;
import org.taskfs.task.Security;
import org.taskfs.task.TaskServer;

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
     * @param security    authentication of remote peers (and towards members) and the admin group
     * @param slurm       growing through Slurm when a res does not fit; null for not at all
     */
    public record Config(DialAddress listen, List<MemberSpec> members, Path scratch, Duration idleTimeout,
                         Pool.Settings pool, Security security, SlurmGrowth.Settings slurm) {
        public Config(DialAddress listen, List<MemberSpec> members, Path scratch, Duration idleTimeout,
                      Pool.Settings pool, Security security) {
            this(listen, members, scratch, idleTimeout, pool, security, null);
        }

        public static Config defaults(DialAddress listen) {
            return new Config(listen, List.of(), null, Duration.ofMinutes(10), Pool.Settings.DEFAULTS,
                    Security.LOCAL);
        }

        public Config withSlurm(SlurmGrowth.Settings s) {
            return new Config(listen, members, scratch, idleTimeout, pool, security, s);
        }

        public Config withMembers(List<MemberSpec> list) {
            return new Config(listen, List.copyOf(list), scratch, idleTimeout, pool, security, slurm);
        }

        public Config withPool(Pool.Settings settings) {
            return new Config(listen, members, scratch, idleTimeout, settings, security, slurm);
        }

        public Config withScratch(Path dir) {
            return new Config(listen, members, dir, idleTimeout, pool, security, slurm);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(listen, members, scratch, d, pool, security, slurm);
        }

        public Config withSecurity(Security s) {
            return new Config(listen, members, scratch, idleTimeout, pool, s, slurm);
        }
    }

    private final Pool pool;
    private final TaskServer server;

    private Coordinator(Pool pool, TaskServer server) {
        this.pool = pool;
        this.server = server;
    }

    /**
     * Mounts the configured members, then starts serving: it answers clients only once every member has
     * answered or failed its first dial (those are kept and dialled again until they answer), so a
     * {@code res} made as soon as it serves finds the members that are there.
     */
    public static Coordinator start(Config config) {
        Pool pool = new Pool(config.pool(), System.getProperty("user.name", "taskfs"), config.security().auth());
        TaskServer server;
        SlurmGrowth growth = null;
        try {
            if (config.slurm() != null) {
                growth = new SlurmGrowth(config.slurm(), pool); // a partition Slurm does not know stops it here
            }
            SlurmGrowth grows = growth;
            List<CompletableFuture<Member>> mounting = new ArrayList<>();
            for (MemberSpec m : config.members()) {
                mounting.add(pool.add(m.address(), m.name(), null));
            }
            Futures.settled(CompletableFuture.allOf(mounting.toArray(new CompletableFuture<?>[0]))).join();
            server = TaskServer.start(config.listen(), "coordinator", config.scratch(), config.idleTimeout(),
                    config.security(),
                    scratch -> new CoordinatorTasks(pool, scratch, grows));
            if (growth != null) {
                TaskServer s = server;
                growth.start(server.address().advertised().toString(), () -> s.tree().sessions().queue().kick());
            }
        } catch (RuntimeException e) {
            if (growth != null) {
                growth.close();
            }
            pool.close();
            throw e;
        }
        return new Coordinator(pool, server);
    }

    public DialAddress address() {
        return server.address();
    }

    /** The address it names itself by in TASKFS_ADDR: a wildcard's host name (see {@code DialAddress.advertised}). */
    public String advertised() {
        return server.advertised();
    }

    public Pool pool() {
        return pool;
    }

    public Sessions sessions() {
        return server.tree().sessions();
    }

    /** Stops serving, releases every session (killing their tasks on the members), then leaves the pool. */
    @Override
    public void close() {
        server.close();
        pool.close();
    }
}
