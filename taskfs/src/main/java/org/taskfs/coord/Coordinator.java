package org.taskfs.coord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.taskfs.coord.state.StateStore;
import org.taskfs.styx.util.Failures;
import org.taskfs.task.EnvLines;
import org.taskfs.task.ResQueue;
import org.taskfs.task.Scratch;
import org.taskfs.task.SessionState;
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
     * @param state       where sessions and the pool are kept for a restart ({@code --state}); null for nowhere
     */
    public record Config(DialAddress listen, List<MemberSpec> members, Path scratch, Duration idleTimeout,
                         Pool.Settings pool, Security security, SlurmGrowth.Settings slurm, Path state) {
        public Config(DialAddress listen, List<MemberSpec> members, Path scratch, Duration idleTimeout,
                      Pool.Settings pool, Security security) {
            this(listen, members, scratch, idleTimeout, pool, security, null, null);
        }

        public static Config defaults(DialAddress listen) {
            return new Config(listen, List.of(), null, Duration.ofMinutes(10), Pool.Settings.DEFAULTS,
                    Security.LOCAL);
        }

        public Config withSlurm(SlurmGrowth.Settings s) {
            return new Config(listen, members, scratch, idleTimeout, pool, security, s, state);
        }

        public Config withState(Path dir) {
            return new Config(listen, members, scratch, idleTimeout, pool, security, slurm, dir);
        }

        public Config withMembers(List<MemberSpec> list) {
            return new Config(listen, List.copyOf(list), scratch, idleTimeout, pool, security, slurm, state);
        }

        public Config withPool(Pool.Settings settings) {
            return new Config(listen, members, scratch, idleTimeout, settings, security, slurm, state);
        }

        public Config withScratch(Path dir) {
            return new Config(listen, members, dir, idleTimeout, pool, security, slurm, state);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(listen, members, scratch, d, pool, security, slurm, state);
        }

        public Config withSecurity(Security s) {
            return new Config(listen, members, scratch, idleTimeout, pool, s, slurm, state);
        }
    }

    private static final System.Logger LOG = System.getLogger(Coordinator.class.getName());

    private final Pool pool;
    private final TaskServer server;
    private final StateStore store;

    private Coordinator(Pool pool, TaskServer server, StateStore store) {
        this.pool = pool;
        this.server = server;
        this.store = store;
    }

    /**
     * Mounts the configured members, then starts serving: it answers clients only once every member has
     * answered or failed its first dial (those are kept and dialled again until they answer), so a
     * {@code res} made as soon as it serves finds the members that are there.
     */
    public static Coordinator start(Config config) {
        StateStore store = config.state() == null ? null : StateStore.open(config.state(), () -> System.err.println(
                "taskfs: the state " + config.state() + " is held by another coordinator; standing by to take over"));
        Pool pool = new Pool(config.pool(), System.getProperty("user.name", "taskfs"), config.security().auth());
        TaskServer server;
        SlurmGrowth growth = null;
        try {
            if (config.slurm() != null) {
                growth = new SlurmGrowth(config.slurm(), pool); // a partition Slurm does not know stops it here
            }
            SlurmGrowth grows = growth;
            List<CompletableFuture<Member>> mounting = new ArrayList<>();
            for (Mounting m : members(config, store)) {
                mounting.add(pool.add(m.address(), m.name(), m.slots()).thenApply(x -> {
                    if (m.drained() != null) {
                        pool.drain(x.name(), m.drained());
                    }
                    return x;
                }));
            }
            Futures.settled(CompletableFuture.allOf(mounting.toArray(new CompletableFuture<?>[0]))).join();
            Path scratch = config.scratch() != null || store == null ? config.scratch() : freshSpool(store.dir());
            server = TaskServer.start(config.listen(), "coordinator", scratch, config.idleTimeout(),
                    config.security(), dir -> new CoordinatorTasks(pool, dir, grows),
                    tree -> {
                        if (store != null) {
                            restore(store, pool, tree.sessions(), (CoordinatorTasks) tree.backend());
                        }
                    });
            if (growth != null && store != null) {
                // The pool is written again with them: members handed back to Slurm leave the state too.
                CoordinatorTasks tasks = (CoordinatorTasks) server.tree().backend();
                growth.keepIn(held -> CompletableFuture.allOf(store.slurmChanged(held),
                        store.poolChanged(pool.members(), tasks.unmounted())), store.restored().slurm());
            }
            if (growth != null) {
                TaskServer s = server;
                growth.start(server.address().advertised().toString(), () -> s.tree().sessions().queue().kick());
            }
        } catch (RuntimeException e) {
            if (growth != null) {
                growth.close();
            }
            pool.close();
            if (store != null) {
                store.close();
            }
            throw e;
        }
        return new Coordinator(pool, server, store);
    }

    /** A member to mount at start: from the command line, or as the state kept it (slots limit, drain). */
    private record Mounting(DialAddress address, String name, Integer slots, String drained) {}

    /**
     * The command line's members (what the operator says now: a name there that the state has at another address
     * is mounted where the command line says), each with the state's slots limit and drain for it, except those
     * root ctl unmounted; then the members root ctl mounted.
     */
    private static List<Mounting> members(Config config, StateStore store) {
        List<StateStore.PoolEntry> kept = new ArrayList<>(store != null ? store.restored().members() : List.of());
        Set<String> unmounted = store != null ? store.restored().unmounted() : Set.of();
        List<Mounting> out = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        for (MemberSpec m : config.members()) {
            String address = m.address().toString();
            if (unmounted.contains(address)) {
                continue;
            }
            StateStore.PoolEntry was = null;
            for (StateStore.PoolEntry e : kept) {
                if (m.name() != null ? e.name().equals(m.name()) : e.address().equals(address)) {
                    was = e;
                    break;
                }
            }
            kept.remove(was);
            String name = m.name() != null ? m.name() : was != null ? was.name() : null;
            out.add(new Mounting(m.address(), name, was != null ? was.slots() : null, was != null ? was.drained() : null));
            addresses.add(address);
        }
        for (StateStore.PoolEntry e : kept) {
            if (addresses.add(e.address())) {
                out.add(new Mounting(DialAddress.parse(e.address(), 6666), e.name(), e.slots(), e.drained()));
            }
        }
        if (store == null) {
            return out;
        }
        // Names picked here as the pool would (nodeN), but knowing the state's names that come later in the list.
        Set<String> names = new HashSet<>();
        out.forEach(m -> names.add(m.name()));
        int k = 0;
        for (int i = 0; i < out.size(); i++) {
            Mounting m = out.get(i);
            if (m.name() == null) {
                while (names.contains("node" + k)) {
                    k++;
                }
                names.add("node" + k);
                out.set(i, new Mounting(m.address(), "node" + k, m.slots(), m.drained()));
            }
        }
        return out;
    }

    /** The copies of output live in DIR/spool; a dead coordinator's are stale (the members keep the logs). */
    private static Path freshSpool(Path dir) {
        Path spool = dir.resolve("spool");
        Scratch.deleteTree(spool);
        try {
            Files.createDirectories(spool);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot make " + spool, e);
        }
        return spool;
    }

    /**
     * Takes back the sessions the state holds, before anything is served: each is held again on its members and
     * its tasks followed; then keeps every later change there.
     */
    private static void restore(StateStore store, Pool pool, Sessions sessions, CoordinatorTasks tasks) {
        StateStore.Restored r = store.restored();
        long t0 = System.nanoTime();
        sessions.numberFrom(r.next());
        sessions.defaultEnv(EnvLines.format(r.rootEnv()));
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (SessionState st : r.sessions().values()) {
            all.add(tasks.restore(sessions, st).exceptionally(e -> {
                LOG.log(System.Logger.Level.WARNING, "session {0} could not be taken back: {1}", st.id(),
                        Failures.text(e));
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
        // Tasks taken back are ours now, not others' that the first dial saw busy.
        pool.refreshAll().join();
        sessions.queue().reinstate(r.queued(), sessions::get, ResQueue.HELD_FOR);
        sessions.queue().keepIn(store::queueChanged);
        sessions.keepIn(store);
        tasks.keepPoolIn(unmounted -> store.poolChanged(pool.members(), unmounted), r.unmounted());
        store.poolChanged(pool.members(), r.unmounted()).join();
        if (!r.sessions().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "took back {0} sessions in {1} ms", r.sessions().size(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
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

    /**
     * Stops serving, releases every session (killing their tasks on the members), then leaves the pool. With a
     * state directory it keeps them instead: the members' connections close first, so the nodes keep the
     * sessions for their orphan grace, and the state is left as it was for the next start to take them back.
     */
    @Override
    public void close() {
        if (store != null) {
            // Kept for the next start: the journal is closed before anything is released, and the members'
            // connections go first, so their sessions are left to the nodes' orphan grace, not released.
            store.close();
            pool.close();
        }
        server.close();
        pool.close();
    }
}
