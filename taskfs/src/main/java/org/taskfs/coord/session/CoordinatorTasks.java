package org.taskfs.coord.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.taskfs.coord.pool.Member;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.SessionState;
import org.taskfs.task.Sessions;
import org.taskfs.coord.pool.MemberChoice;
import org.taskfs.coord.pool.Pool;
import org.taskfs.coord.pool.SlurmGrowth;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.task.Backend;
import org.taskfs.task.CtlTable;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Part;
import org.taskfs.task.ResCommand;
import org.taskfs.task.ResQueue;
import org.taskfs.task.Scratch;
import org.taskfs.task.Session;

/**
 * A coordinator's tasks: tasks on the servers of its pool, reserved through the pool, driven one message per
 * member. Copies of their output are kept as files in the scratch directory, named by session, part and task.
 */
public final class CoordinatorTasks extends Backend {
    private static final System.Logger LOG = System.getLogger(CoordinatorTasks.class.getName());
    private final Pool pool;
    private final Path scratchRoot;
    private final AtomicLong parts = new AtomicLong();
    private final Scratch.Removals removals = new Scratch.Removals();
    /** Growing through Slurm, or null. */
    private final SlurmGrowth growth;

    /** Addresses unmounted through root ctl: a restart on the same state does not mount them again. */
    private final Set<String> unmounted = ConcurrentHashMap.newKeySet();
    /** Keeps the pool for a restart once root ctl changed it (--state); completes once kept. */
    private volatile Function<Set<String>, CompletableFuture<Void>> poolKept =
            u -> CompletableFuture.completedFuture(null);

    public CoordinatorTasks(Pool pool, Path scratchRoot) {
        this(pool, scratchRoot, null);
    }

    public CoordinatorTasks(Pool pool, Path scratchRoot, SlurmGrowth growth) {
        super(HostInfo.LOCAL);
        this.pool = pool;
        this.scratchRoot = scratchRoot;
        try {
            Files.createDirectories(scratchRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the scratch directory " + scratchRoot, e);
        }
        this.growth = growth;
        this.rootVerbs = rootVerbs(pool, unmounted, () -> poolKept.apply(Set.copyOf(unmounted)));
        pool.onCapacity(this::capacityChanged);
    }

    /** What the pool has, and what Slurm may still add to it: a res within that waits rather than fails. */
    @Override
    public Room room(ResCommand res) {
        Room r = pool.room(res.os(), res.arch(), MemberChoice.of(res.nodes(), res.exclude()));
        int more = growth == null ? 0 : growth.growable(res);
        return more == 0 ? r : new Room(r.slots() + more, r.free(), r.kind(), growth.note(more) + r.note());
    }

    @Override
    public CompletableFuture<List<Part>> reserve(Session session, ResCommand res) {
        if (growth != null) {
            String failure = growth.failure(res);
            if (failure != null) {
                return StyxException.failed(failure); // not a shortfall: the queue ends the res with Slurm's words
            }
        }
        MemberChoice choice = MemberChoice.of(res.nodes(), res.exclude());
        CompletableFuture<List<Part>> made = pool.reserve(res.count(), res.os(), res.arch(), choice, session.owner(),
                r -> (Part) new MemberPart(r, scratchRoot.resolve(session.id() + "-" + parts.getAndIncrement()),
                        removals));
        if (growth == null) {
            return made;
        }
        return made.whenComplete((v, e) -> {
            if (e != null && Failures.text(e).contains(ResQueue.SHORTFALL)) {
                growth.fellShort(res, pool.room(res.os(), res.arch(), choice).free());
            }
        });
    }

    @Override
    public String waitNote(ResCommand res) {
        return growth == null ? "" : growth.waitNote(res);
    }

    @Override
    public void waitEnded(ResCommand res) {
        if (growth != null) {
            growth.waitEnded(res);
        }
    }

    /**
     * The copies of released tasks are gone before the coordinator's own scratch directory may go; what was
     * had from Slurm is given back.
     */
    @Override
    public void close() {
        if (growth != null) {
            growth.close();
        }
        removals.await(java.time.Duration.ofSeconds(10));
    }

    @Override
    public String census() {
        return pool.census();
    }

    @Override
    public String capacity() {
        return pool.ns();
    }

    @Override
    public String settings() {
        return "heartbeat " + pool.settings().heartbeat().toMillis() + "ms\n"
                + "timeout " + pool.settings().requestTimeout().toMillis() + "ms\n"
                + "node-timeout " + pool.settings().nodeTimeout().toMillis() + "ms\n"
                + "members " + pool.members().size() + "\n"
                + pool.downMembers()
                + (growth == null ? "" : growth.ctlLines());
    }

    /**
     * Root ctl: {@code mount ADDR [NAME] [slots=K]}, {@code unmount NAME}, {@code drain NAME [REASON]},
     * {@code undrain NAME}.
     */
    private final CtlTable<Void> rootVerbs;

    /** Where the pool is kept as root ctl changes it, given the addresses unmounted so far. */
    public void keepPoolIn(Function<Set<String>, CompletableFuture<Void>> keeper, Set<String> unmountedBefore) {
        unmounted.addAll(unmountedBefore);
        poolKept = keeper;
    }

    /** The addresses unmounted through root ctl (kept with the pool). */
    public Set<String> unmounted() {
        return Set.copyOf(unmounted);
    }

    /**
     * Takes back a session of the coordinator before a restart: each part's member session is held again and its
     * tasks followed from the start of their output; a part whose member is down or has lost the session (it
     * restarted, or its orphan grace ran out) has its tasks Lost. Completes once all parts are settled.
     */
    public CompletableFuture<Session> restore(Sessions sessions, SessionState st) {
        List<CompletableFuture<MemberPart>> found = new ArrayList<>();
        for (String record : st.parts()) {
            List<String> f = PlanNineQuoting.tokenize(record);
            Member m;
            try {
                m = pool.member(f.get(0));
            } catch (StyxException e) {
                // Unmounted before the restart: its tasks are gone with it; the part cannot even be shown Lost.
                LOG.log(System.Logger.Level.WARNING, "session {0}: {1}; its tasks there are dropped", st.id(),
                        e.getMessage());
                continue;
            }
            String remoteDir = f.get(1);
            int count = Integer.parseInt(f.get(2));
            Path scratch = scratchRoot.resolve(st.id() + "-" + parts.getAndIncrement());
            found.add(pool.reclaim(m, st.owner(), remoteDir, count).handle((r, e) -> {
                if (e == null) {
                    MemberPart p = new MemberPart(r, scratch, removals);
                    return p.resume().handle((v, x) -> {
                        if (x != null) {
                            p.lostAll(lostReason(m, remoteDir, x));
                        }
                        return p;
                    });
                }
                MemberPart p = new MemberPart(pool.reclaimed(m, st.owner(), remoteDir, count), scratch, removals);
                p.lostAll(lostReason(m, remoteDir, e));
                return CompletableFuture.completedFuture(p);
            }).thenCompose(x -> x));
        }
        return CompletableFuture.allOf(found.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            List<Part> ps = new ArrayList<>();
            found.forEach(f -> ps.add(f.join()));
            return sessions.restore(st, ps);
        });
    }

    private static String lostReason(Member m, String remoteDir, Throwable e) {
        Throwable why = Failures.cause(e);
        if (why instanceof StyxRemoteException remote && remote.error().equals(Errors.NOT_FOUND)) {
            return "it no longer knows the session " + remoteDir + " (restarted, or its grace ran out)";
        }
        return "at the restart: " + Failures.text(e);
    }

    private static CtlTable<Void> rootVerbs(Pool pool, Set<String> unmounted,
                                            Supplier<CompletableFuture<Void>> kept) {
        return new CtlTable<Void>()
            .add("mount", 1, 3, "mount ADDR [NAME] [slots=K]", (x, c) -> {
                DialAddress at = DialAddress.parse(c.arg(0), 6666);
                String name = null;
                Integer slots = null;
                for (String a : c.args().subList(1, c.args().size())) {
                    if (a.startsWith("slots=")) {
                        try {
                            slots = Integer.parseInt(a.substring(6));
                        } catch (NumberFormatException e) {
                            throw new StyxException("mount: bad slots \"" + a + "\"; expected slots=K");
                        }
                    } else {
                        name = a;
                    }
                }
                return pool.mount(at, name, slots).thenCompose(m -> {
                    unmounted.remove(m.address().toString()); // mounted again: a restart mounts it too
                    return kept.get();
                });
            })
            .add("unmount", 1, 1, "unmount NAME", (x, c) -> {
                unmounted.add(pool.member(c.arg(0)).address().toString());
                pool.unmount(c.arg(0));
                return kept.get();
            })
            .add("drain", 1, -1, "drain NAME [REASON]", (x, c) -> {
                // The reason may be one quoted word or several plain ones: drain n1 disk failing.
                pool.drain(c.arg(0), String.join(" ", c.args().subList(1, c.args().size())));
                return kept.get();
            })
            .add("undrain", 1, 1, "undrain NAME", (x, c) -> {
                pool.undrain(c.arg(0));
                return kept.get();
            });
    }

    @Override
    public CtlTable<Void> rootVerbs() {
        return rootVerbs;
    }
}
