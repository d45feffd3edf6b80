package org.taskfs.coord.pool;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.taskfs.coord.session.Group;
import org.taskfs.coord.session.Leaf;
import org.taskfs.coord.session.Session;
import org.taskfs.coord.session.Subtask;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * The servers a coordinator has mounted, with their health. A heartbeat reads each member's root
 * {@code ns}; a member that misses two beats or drops its connection is marked down, its tasks
 * become Lost, and it is dialled again until it answers.
 */
public final class Pool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Pool.class.getName());

    /** Timings of the pool: heartbeat period, request timeout to members, reconnect period. */
    public record Settings(Duration heartbeat, Duration requestTimeout, Duration reconnect) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
    }

    private final List<Member> members = new CopyOnWriteArrayList<>();
    /** Slots per member that reservations under way have planned on and not placed yet. */
    private final Map<Member, Integer> claimed = new HashMap<>();
    private final Settings settings;
    private final ClientOptions clientOptions;
    private final ScheduledExecutorService timer;
    private final AtomicInteger names = new AtomicInteger();

    public Pool(Settings settings, String uname) {
        this.settings = settings;
        this.clientOptions = ClientOptions.defaults().withUname(uname).withRequestTimeout(settings.requestTimeout())
                .withConnectTimeout(settings.requestTimeout());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pool-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long beat = settings.heartbeat().toMillis();
        timer.scheduleAtFixedRate(this::beat, beat, beat, TimeUnit.MILLISECONDS);
        long again = settings.reconnect().toMillis();
        timer.scheduleWithFixedDelay(this::reconnect, again, again, TimeUnit.MILLISECONDS);
    }

    public Settings settings() {
        return settings;
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    // ------------------------------------------------------------------ membership

    /**
     * Mounts a server; completes once it answered, or fails saying why (the member is then not kept).
     *
     * @param name       a name for ns and errors; null picks {@code nodeN}
     * @param slotsLimit at most this many of its slots are used; null for all
     */
    public CompletableFuture<Member> mount(DialAddress address, String name, Integer slotsLimit) {
        String n = name != null ? name : "node" + names.getAndIncrement();
        synchronized (members) {
            for (Member m : members) {
                if (m.name().equals(n)) {
                    return CompletableFuture.failedFuture(new StyxException("mount: the name " + n
                            + " is taken by " + m.address()));
                }
            }
            Member m = new Member(n, address, slotsLimit);
            members.add(m);
            return m.connect(clientOptions, () -> {}).handle((v, e) -> {
                if (e != null) {
                    members.remove(m);
                    throw new StyxException("mount: cannot reach " + address + ": " + Failures.text(e));
                }
                LOG.log(System.Logger.Level.INFO, "mounted {0} at {1} ({2})", n, address, m.kind());
                return m;
            });
        }
    }

    /**
     * Adds a server that may not be up yet (a hostfile entry, {@code serve --node}): it is kept
     * even if the first dial fails, and dialled again until it answers.
     */
    public CompletableFuture<Member> add(DialAddress address, String name, Integer slotsLimit) {
        String n = name != null ? name : "node" + names.getAndIncrement();
        Member m = new Member(n, address, slotsLimit);
        members.add(m);
        return m.connect(clientOptions, () -> {}).handle((v, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "{0} ({1}) does not answer yet: {2}", n, address,
                        Failures.text(e));
            }
            return m;
        });
    }

    public Member member(String name) {
        for (Member m : members) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new StyxException("no member named " + name + " in the pool");
    }

    /** Removes a member; its tasks are lost. */
    public void unmount(String name) {
        Member m = member(name);
        members.remove(m);
        m.close();
    }

    /** No new tasks go to the member; running ones finish. */
    public void drain(String name) {
        member(name).drain();
    }

    private void beat() {
        for (Member m : members) {
            if (m.state() == Member.State.DOWN) {
                continue;
            }
            m.heartbeat().orTimeout(settings.heartbeat().toMillis() * 2, TimeUnit.MILLISECONDS)
                    .whenComplete((v, e) -> {
                        if (e != null || m.missedBeats() >= 2) {
                            m.lost("no answer to the heartbeat for " + settings.heartbeat().multipliedBy(2).toMillis()
                                    + " ms");
                        }
                    });
        }
    }

    private void reconnect() {
        for (Member m : members) {
            if (m.state() == Member.State.DOWN) {
                m.connect(clientOptions, () -> {}).whenComplete((v, e) -> {
                    if (e == null) {
                        LOG.log(System.Logger.Level.INFO, "{0} is back", m.name());
                    }
                });
            }
        }
    }

    // ------------------------------------------------------------------ what it reports

    /** The census: {@code COUNT OS ARCH} per kind over the members that are up. */
    public String census() {
        Map<String, Integer> total = new TreeMap<>();
        for (Member m : members) {
            m.census().forEach((k, v) -> total.merge(k, v, Integer::sum));
        }
        StringBuilder b = new StringBuilder();
        total.forEach((k, v) -> b.append(v).append(' ').append(k).append('\n'));
        return b.toString();
    }

    /** The pool as root ns shows it: one {@code mount ADDR NAME slots=K busy=B state=S} line per member. */
    public String ns() {
        StringBuilder b = new StringBuilder();
        for (Member m : members) {
            b.append(m.nsLine());
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ reservation

    /**
     * Reserves {@code n} tasks for a session, all or nothing. Members that fail to answer are left
     * out and their share placed elsewhere; if the pool cannot hold them all, whatever was taken is
     * released and the error names the shortfall.
     *
     * @param first index the first new subtask gets in the session
     */
    public CompletableFuture<List<Subtask>> reserve(Session session, int first, int n, String os, String arch) {
        List<Reserved> got = new ArrayList<>();
        Map<Member, Integer> mine = new HashMap<>();
        CompletableFuture<Void> rounds;
        try {
            rounds = reserveRound(n, os, arch, new HashSet<>(), got, mine, 0);
        } catch (RuntimeException e) {
            rounds = CompletableFuture.failedFuture(e);
        }
        return rounds.handle((v, e) -> {
            try {
                if (e != null) {
                    for (Reserved r : got) {
                        r.abandon();
                    }
                    throw new java.util.concurrent.CompletionException(Failures.cause(e));
                }
                // Numbered only now, in the order they were got: a member that failed in an earlier
                // round leaves no hole, and a later round cannot reuse a number.
                List<Subtask> out = new ArrayList<>();
                int index = first;
                for (Reserved r : got) {
                    out.add(r.build(session, index++));
                }
                return out;
            } finally {
                // Placed (counted by the members now) or given back: the claims have done their work.
                synchronized (claimed) {
                    mine.forEach((m, k) -> claimed.merge(m, -k, (a, b) -> a + b == 0 ? null : a + b));
                }
            }
        });
    }

    /**
     * What a res got on one member before it is known whether the whole res succeeds: a node's
     * task, or a session of k tasks on a mounted coordinator (with its leaves' paths there).
     */
    private record Reserved(Member member, String remoteDir, RemoteFid ctl, List<String> leafPaths) {
        Subtask build(Session session, int index) {
            String local = Integer.toString(index);
            if (leafPaths == null) {
                Leaf leaf = session.newLeaf(member, remoteDir, local);
                member.placed(leaf);
                return new Subtask(member, remoteDir, ctl, leaf);
            }
            Group g = Group.of(local, remoteDir, leafPaths, p -> {
                Leaf leaf = session.newLeaf(member, remoteDir + "/" + p, local + "/" + p);
                member.placed(leaf);
                return leaf;
            });
            return new Subtask(member, remoteDir, ctl, g);
        }

        void abandon() {
            ctl.write(0, "release".getBytes(StandardCharsets.UTF_8)).whenComplete((x, y) -> ctl.clunk());
        }
    }

    private CompletableFuture<Void> reserveRound(int n, String os, String arch, Set<Member> failed,
                                                 List<Reserved> got, Map<Member, Integer> mine, int round) {
        String constraint = os.equals("*") && arch.equals("*") ? kinds() : os + " " + arch;
        Map<Member, Integer> plan;
        // Slots being reserved (by any res, this one's earlier rounds included) are not placed yet,
        // so the members do not count them: the plan and its claim are made at once, so that
        // concurrent reservations cannot all pick the same free slots.
        synchronized (claimed) {
            List<Placement.Candidate> candidates = new ArrayList<>();
            for (Member m : members) {
                if (!failed.contains(m) && m.offers(os, arch)) {
                    candidates.add(new Placement.Candidate(m, m.free() - claimed.getOrDefault(m, 0)));
                }
            }
            plan = Placement.plan(candidates, n, constraint);
            plan.forEach((m, k) -> {
                claimed.merge(m, k, Integer::sum);
                mine.merge(m, k, Integer::sum);
            });
        }
        Map<Member, List<CompletableFuture<Reserved>>> started = new LinkedHashMap<>();
        for (Map.Entry<Member, Integer> p : plan.entrySet()) {
            List<CompletableFuture<Reserved>> fs = new ArrayList<>();
            if (p.getKey().kind() == Member.Kind.NODE) {
                for (int k = 0; k < p.getValue(); k++) {
                    fs.add(nodeTask(p.getKey()));
                }
            } else {
                fs.add(coordinatorSession(p.getKey(), p.getValue(), os, arch));
            }
            started.put(p.getKey(), fs);
        }
        List<CompletableFuture<Reserved>> all = new ArrayList<>();
        started.values().forEach(all::addAll);
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
            int missing = 0;
            String why = null;
            for (Map.Entry<Member, List<CompletableFuture<Reserved>>> s : started.entrySet()) {
                for (CompletableFuture<Reserved> f : s.getValue()) {
                    if (f.isCompletedExceptionally()) {
                        failed.add(s.getKey());
                        missing += s.getKey().kind() == Member.Kind.NODE ? 1 : plan.get(s.getKey());
                        why = s.getKey().name() + ": " + Failures.text(f.handle((a, b) -> b).join());
                    } else {
                        got.add(f.join());
                    }
                }
            }
            return new Object[] {missing, why};
        }).thenCompose(r -> {
            int missing = (Integer) r[0];
            if (missing == 0) {
                return CompletableFuture.completedFuture(null);
            }
            if (round >= 2) {
                throw new StyxException("res: could not reserve " + missing + " of " + n + " tasks: " + r[1]);
            }
            LOG.log(System.Logger.Level.INFO, "res: {0}; placing {1} tasks elsewhere", r[1], missing);
            try {
                return reserveRound(missing, os, arch, failed, got, mine, round + 1);
            } catch (StyxException shortfall) {
                throw new StyxException(shortfall.getMessage() + " after " + r[1]);
            }
        });
    }

    private String kinds() {
        String c = census().trim().replace('\n', ',').replaceAll("^\\d+ ", "").replaceAll(",\\d+ ", ", ");
        return c.isEmpty() ? "no members up" : c;
    }

    /** Opens the node's clone: that fid becomes the new task's ctl, held for the task's life. */
    private CompletableFuture<Reserved> nodeTask(Member m) {
        return m.open("/clone", P9.ORDWR, false).thenCompose(ctl -> ctl.read(0, 32).handle((b, e) -> {
            if (e != null) {
                ctl.clunk();
                throw new java.util.concurrent.CompletionException(Failures.cause(e));
            }
            String remoteDir = "/" + new String(b, StandardCharsets.UTF_8).trim();
            return new Reserved(m, remoteDir, ctl, null);
        }));
    }

    /** Opens a session on the mounted coordinator, reserves k tasks there and learns its leaves. */
    private CompletableFuture<Reserved> coordinatorSession(Member m, int k, String os, String arch) {
        return m.open("/clone", P9.ORDWR, false).thenCompose(ctl -> {
            CompletableFuture<Reserved> made = ctl.read(0, 32).thenCompose(b -> {
                String remoteDir = "/" + new String(b, StandardCharsets.UTF_8).trim();
                String res = "res " + k + " " + PlanNineQuoting.quote(os) + " " + PlanNineQuoting.quote(arch);
                return ctl.write(0, res.getBytes(StandardCharsets.UTF_8))
                        .thenCompose(w -> m.read(remoteDir + "/ns"))
                        .thenApply(ns -> {
                            List<String> paths = new ArrayList<>();
                            for (String line : ns.split("\n")) {
                                String[] f = line.trim().split("\\s+");
                                if (f.length == 3 && f[0].equals("bind")) {
                                    paths.add(f[2]);
                                }
                            }
                            return new Reserved(m, remoteDir, ctl, List.copyOf(paths));
                        });
            });
            return made.whenComplete((s, e) -> {
                if (e != null) {
                    ctl.write(0, "release".getBytes(StandardCharsets.UTF_8)).whenComplete((x, y) -> ctl.clunk());
                }
            });
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Member m : members) {
            m.close();
        }
        members.clear();
    }
}
