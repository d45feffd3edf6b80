package org.taskfs.coord.pool;

import io.netty.channel.EventLoopGroup;
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
import java.util.function.Function;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.styx.util.Futures;
import org.taskfs.task.CtlRequest;

/**
 * The servers a coordinator has mounted, with their health. A heartbeat reads each member's root
 * {@code ns}. A member whose connection closes is down at once: its tasks become Lost, and it is
 * dialled again until it answers. A member that is connected but leaves two beats unanswered is only
 * unreachable: nothing new is placed there, its tasks keep their state and their readers wait; it is
 * up again when it answers, and down (its tasks Lost) once it has been silent for the node timeout.
 */
public final class Pool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Pool.class.getName());

    /**
     * Timings of the pool: heartbeat period, request timeout to members, reconnect period, and the node
     * timeout: how long a connected member may be silent before it is given up for lost.
     */
    public record Settings(Duration heartbeat, Duration requestTimeout, Duration reconnect, Duration nodeTimeout) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(2), Duration.ofSeconds(60));

        /** Beats a member may leave unanswered before it is unreachable. */
        public static final int MISSED_BEATS = 2;

        public Settings {
            positive(heartbeat, "heartbeat");
            positive(requestTimeout, "request timeout");
            positive(reconnect, "reconnect period");
            positive(nodeTimeout, "node timeout");
            // A member must be able to be unreachable before it is lost, or every stall is a loss.
            if (nodeTimeout.compareTo(heartbeat.multipliedBy(MISSED_BEATS)) < 0) {
                throw new IllegalArgumentException("the node timeout (" + seconds(nodeTimeout) + ") must be at least "
                        + MISSED_BEATS + " heartbeats (" + seconds(heartbeat.multipliedBy(MISSED_BEATS)) + ")");
            }
        }

        private static void positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the " + what + " must be more than 0 s, not "
                        + (d == null ? "none" : seconds(d)));
            }
        }

        /** A duration as the flags spell it: decimal seconds. */
        public static String seconds(Duration d) {
            return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
        }
    }

    private final List<Member> members = new CopyOnWriteArrayList<>();
    /** Slots per member that reservations under way have planned on and not placed yet. */
    private final Map<Member, Integer> claimed = new HashMap<>();
    private final Settings settings;
    private final ClientOptions clientOptions;
    /**
     * The event loops of every member connection: a few threads for the pool, not one per member (a
     * coordinator over 256 nodes ran 276 threads).
     */
    private final EventLoopGroup loops = Transport.newGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
            "pool-member");
    private final ScheduledExecutorService timer;
    private final AtomicInteger names = new AtomicInteger();
    /** Told when slots may have become free or appeared: a member answered, came back, or beat. */
    private volatile Runnable onCapacity = () -> {};

    /** @param auth how the coordinator authenticates to its members, as the service {@code uname} */
    public Pool(Settings settings, String uname, AuthMethod auth) {
        this.settings = settings;
        // As large as a member agrees to: a run's output is copied here in reads of a whole message, so fewer
        // and larger reads follow a fast task (a member must agree to at least a ctl command, see Member).
        this.clientOptions = ClientOptions.defaults().withMsize(P9.MAX_MSIZE)
                .withUname(uname).withRequestTimeout(settings.requestTimeout())
                .withConnectTimeout(settings.requestTimeout()).withAuth(auth).withGroup(loops);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pool-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long beat = settings.heartbeat().toNanos();
        timer.scheduleAtFixedRate(this::beat, beat, beat, TimeUnit.NANOSECONDS);
        long again = settings.reconnect().toMillis();
        timer.scheduleWithFixedDelay(this::reconnect, again, again, TimeUnit.MILLISECONDS);
    }

    public Settings settings() {
        return settings;
    }

    /** Whom to tell when slots may have become free (the coordinator's reservation queue). */
    public void onCapacity(Runnable listener) {
        onCapacity = listener;
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
        synchronized (members) {
            String n = name != null ? name : freshName();
            String taken = taken(n);
            if (taken != null) {
                return CompletableFuture.failedFuture(new StyxException("mount: " + taken));
            }
            Member m = new Member(n, address, slotsLimit);
            members.add(m);
            return m.connect(clientOptions, () -> {}).handle((v, e) -> {
                if (e != null) {
                    members.remove(m);
                    throw new StyxException("mount: cannot reach " + address + ": " + Failures.text(e));
                }
                LOG.log(System.Logger.Level.INFO, "mounted {0} at {1}", n, address);
                onCapacity.run();
                return m;
            });
        }
    }

    /**
     * Adds a server that may not be up yet (a hostfile entry, {@code serve --node}): it is kept
     * even if the first dial fails, and dialled again until it answers.
     */
    public CompletableFuture<Member> add(DialAddress address, String name, Integer slotsLimit) {
        Member m;
        synchronized (members) {
            String n = name != null ? name : freshName();
            // A name is how res nodes= and unmount pick a member: two of one name is a configuration error.
            String taken = taken(n);
            if (taken != null) {
                throw new StyxException(taken);
            }
            m = new Member(n, address, slotsLimit);
            members.add(m);
        }
        return m.connect(clientOptions, () -> {}).handle((v, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "{0} ({1}) does not answer yet: {2}", m.name(), address,
                        Failures.text(e));
            } else {
                onCapacity.run();
            }
            return m;
        });
    }

    /** The next {@code nodeN} no member has. */
    private String freshName() {
        String n;
        do {
            n = "node" + names.getAndIncrement();
        } while (taken(n) != null);
        return n;
    }

    /** Why {@code name} cannot name another member, or null if it can. */
    private String taken(String name) {
        for (Member m : members) {
            if (m.name().equals(name)) {
                return "the name " + name + " is taken by " + m.address();
            }
        }
        return null;
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

    /** No new tasks go to the member; running ones finish. {@code reason} (or null) is shown in ns. */
    public void drain(String name, String reason) {
        member(name).drain(reason);
    }

    /** The member takes new tasks again. */
    public void undrain(String name) {
        member(name).undrain();
        onCapacity.run(); // reservations waiting for room may fit now
    }

    /** Every member's capacity read now, as a beat would; completes once all have answered or failed. */
    public CompletableFuture<Void> refreshAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Member m : members) {
            all.add(m.refreshNow(() -> reserving(m)));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    private void beat() {
        for (Member m : members) {
            m.beat(() -> reserving(m), settings.nodeTimeout());
        }
        // What others do on the members (their own users, other coordinators) is only seen by the beats: a
        // waiting reservation is tried again at each, as well as at once on what this coordinator sees itself.
        onCapacity.run();
    }

    /** Slots of {@code m} that reservations under way have planned on and not placed yet. */
    int reserving(Member m) {
        synchronized (claimed) {
            return claimed.getOrDefault(m, 0);
        }
    }

    private void reconnect() {
        for (Member m : members) {
            if (m.state() == Member.State.DOWN && !m.connecting()) {
                String before = m.downReason();
                m.connect(clientOptions, () -> {}).whenComplete((v, e) -> {
                    if (e == null) {
                        LOG.log(System.Logger.Level.INFO, "{0} is back", m.name());
                        onCapacity.run();
                    } else if (!m.unmounted() && !sameReason(Failures.text(e), before)) {
                        // Said once per new reason, not every period: a node that refuses us says why in the log.
                        LOG.log(System.Logger.Level.WARNING, "{0} ({1}) does not answer: {2}", m.name(), m.address(),
                                Failures.text(e));
                    }
                });
            }
        }
    }

    /** The same failure, numbers aside: a refusal naming our new port each time is one reason. */
    private static boolean sameReason(String a, String b) {
        return b != null && a.replaceAll("\\d+", "#").equals(b.replaceAll("\\d+", "#"));
    }

    // ------------------------------------------------------------------ what it reports

    /** The census: {@code COUNT OS ARCH} per kind over the members that are up and not draining (usable slots). */
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
     * What a res of this kind could have: the slots of the members that are up and offer it, busy or not (more
     * than that can never be had), and those free now, less what reservations under way have claimed.
     */
    public org.taskfs.task.Backend.Room room(String os, String arch, MemberChoice choice) {
        choice.check(members); // a name that is no member is that, not a shortfall
        int slots = 0;
        int free = 0;
        synchronized (claimed) {
            for (Member m : members) {
                if (choice.admits(m) && m.offers(os, arch)) {
                    slots += m.slots();
                    free += Math.max(0, m.free() - claimed.getOrDefault(m, 0));
                }
            }
        }
        return new org.taskfs.task.Backend.Room(slots, free, constraint(os, arch, choice), downNote());
    }

    /** What a shortfall names: the kind asked for, and the members it was asked of. */
    private String constraint(String os, String arch, MemberChoice choice) {
        return (os.equals("*") && arch.equals("*") ? kinds() : os + " " + arch)
                + (choice.text().isEmpty() ? "" : ", " + choice.text());
    }

    /** A session of {@code count} tasks on a member, reserved for a session here, and its ctl there. */
    public record Reservation(Member member, String owner, String remoteDir, MemberCtl ctl, int count) {
        /** Frees it on the member; never fails. */
        public CompletableFuture<Void> release() {
            return ctl.release();
        }
    }

    /**
     * Reserves {@code n} tasks, all or nothing, by one path on every member, node or coordinator alike: open
     * its {@code clone}, write {@code res k}, learn the tasks from the new session's {@code ns}. Members that
     * fail to answer are left out and their share placed elsewhere; if the pool cannot hold them all, whatever
     * was taken is released and the error names the shortfall.
     *
     * @param choice which members may take them (the whole choice is made here: members are never told)
     * @param owner the user the tasks are for: the members are told, and run them as that user
     * @param place turns each reservation, in order, into what the caller keeps; called before the slots the
     *              plan claimed are let go, so it must place its tasks on the member ({@link Member#placed})
     */
    public <T> CompletableFuture<List<T>> reserve(int n, String os, String arch, MemberChoice choice, String owner,
                                                  Function<Reservation, T> place) {
        List<Reservation> got = new ArrayList<>();
        Map<Member, Integer> mine = new HashMap<>();
        CompletableFuture<Void> rounds;
        try {
            choice.check(members);
            rounds = reserveRound(n, os, arch, choice, owner, new HashSet<>(), got, mine, 0);
        } catch (RuntimeException e) {
            rounds = CompletableFuture.failedFuture(e);
        }
        return rounds.handle((v, e) -> {
            try {
                if (e != null) {
                    for (Reservation r : got) {
                        r.release();
                    }
                    throw new java.util.concurrent.CompletionException(Failures.cause(e));
                }
                List<T> out = new ArrayList<>();
                for (Reservation r : got) {
                    out.add(place.apply(r));
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
     * A reservation this coordinator made before it restarted, taken back: the member's session is held by this
     * connection again ({@code hold}), which stops the member's orphan grace. Fails if the member is down or no
     * longer has the session (it restarted, or its grace ran out).
     */
    public CompletableFuture<Reservation> reclaim(Member m, String owner, String remoteDir, int count) {
        MemberCtl ctl = new MemberCtl(m, owner, remoteDir + "/ctl", null);
        Reservation r = new Reservation(m, owner, remoteDir, ctl, count);
        return ctl.write("hold").thenApply(v -> r);
    }

    /** The reservation as it was, not held again: for a part whose tasks are lost (its member is gone). */
    public Reservation reclaimed(Member m, String owner, String remoteDir, int count) {
        return new Reservation(m, owner, remoteDir, new MemberCtl(m, owner, remoteDir + "/ctl", null), count);
    }

    private CompletableFuture<Void> reserveRound(int n, String os, String arch, MemberChoice choice, String owner,
                                                 Set<Member> failed, List<Reservation> got, Map<Member, Integer> mine,
                                                 int round) {
        String constraint = constraint(os, arch, choice);
        Map<Member, Integer> plan;
        // Slots being reserved (by any res, this one's earlier rounds included) are not placed yet,
        // so the members do not count them: the plan and its claim are made at once, so that
        // concurrent reservations cannot all pick the same free slots.
        synchronized (claimed) {
            List<Placement.Candidate> candidates = new ArrayList<>();
            for (Member m : members) {
                if (!failed.contains(m) && choice.admits(m) && m.offers(os, arch)) {
                    candidates.add(new Placement.Candidate(m, m.free() - claimed.getOrDefault(m, 0)));
                }
            }
            try {
                plan = Placement.plan(candidates, n, constraint);
            } catch (StyxException shortfall) {
                throw new StyxException(shortfall.getMessage() + downNote());
            }
            plan.forEach((m, k) -> {
                claimed.merge(m, k, Integer::sum);
                mine.merge(m, k, Integer::sum);
            });
        }
        Map<Member, CompletableFuture<Reservation>> started = new LinkedHashMap<>();
        plan.forEach((m, k) -> started.put(m, memberSession(m, k, os, arch, owner)));
        return CompletableFuture.allOf(started.values().toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
            int missing = 0;
            String why = null;
            for (Map.Entry<Member, CompletableFuture<Reservation>> s : started.entrySet()) {
                CompletableFuture<Reservation> f = s.getValue();
                if (f.isCompletedExceptionally()) {
                    failed.add(s.getKey());
                    missing += plan.get(s.getKey());
                    why = s.getKey().name() + ": " + Failures.text(Futures.failure(f).join());
                } else {
                    got.add(f.join());
                }
            }
            return Map.entry(missing, why == null ? "" : why);
        }).thenCompose(r -> {
            int missing = r.getKey();
            if (missing == 0) {
                return CompletableFuture.completedFuture(null);
            }
            if (round >= 2) {
                throw new StyxException("res: could not reserve " + missing + " of " + n + " tasks: " + r.getValue());
            }
            LOG.log(System.Logger.Level.INFO, "res: {0}; placing {1} tasks elsewhere", r.getValue(), missing);
            try {
                return reserveRound(missing, os, arch, choice, owner, failed, got, mine, round + 1);
            } catch (StyxException shortfall) {
                throw new StyxException(shortfall.getMessage() + " after " + r.getValue());
            }
        });
    }

    /**
     * The members that are down and why (the loss, or how the last dial failed: a node that refuses our key),
     * for a {@code res} that fell short: the user sees what is missing without reading the coordinator's log.
     */
    private String downNote() {
        List<String> down = new ArrayList<>();
        int more = 0;
        for (Member m : members) {
            if (m.state() == Member.State.DOWN) {
                if (down.size() < 3) {
                    down.add(m.name() + " (" + m.address() + ") is down: " + m.downReason());
                } else {
                    more++;
                }
            }
        }
        return down.isEmpty() ? "" : "; " + String.join("; ", down) + (more > 0 ? "; " + more + " more down" : "");
    }

    /** One {@code down NAME ADDR REASON} line per member that is down, for the root ctl. */
    public String downMembers() {
        StringBuilder b = new StringBuilder();
        for (Member m : members) {
            if (m.state() == Member.State.DOWN) {
                b.append("down ").append(m.name()).append(' ').append(m.address()).append(' ')
                        .append(m.downReason().replace('\n', ' ')).append('\n');
            }
        }
        return b.toString();
    }

    private String kinds() {
        String c = census().trim().replace('\n', ',').replaceAll("^\\d+ ", "").replaceAll(",\\d+ ", ", ");
        return c.isEmpty() ? "no members up" : c;
    }

    /**
     * Opens a session on the member, reserves k tasks there and checks its ns lists them. The session number
     * is read and the res written at once, on the one fid: the member answers them in order.
     */
    private CompletableFuture<Reservation> memberSession(Member m, int k, String os, String arch, String owner) {
        return m.open(owner, "/clone", P9.ORDWR, false).thenCompose(ctl -> {
            // wait=0: the member places now or refuses; only this coordinator queues a res that must wait, so it
            // never waits on a member whose slots it may find elsewhere (nor deadlocks on one).
            String res = "res " + k + " " + PlanNineQuoting.quote(os) + " " + PlanNineQuoting.quote(arch) + " wait=0";
            CompletableFuture<byte[]> number = ctl.read(0, 32);
            // Held by this connection: should this coordinator die or lose the member, the member keeps the
            // tasks for its grace, then frees them, rather than running them for nobody forever.
            CompletableFuture<Integer> held = ctl.write(0, "hold".getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Integer> reserved = held.thenCombine(
                    ctl.write(0, res.getBytes(StandardCharsets.UTF_8)), (h, r) -> r);
            CompletableFuture<Reservation> made = number.thenCombine(reserved, (b, w) ->
                    "/" + new String(b, StandardCharsets.UTF_8).trim())
                    .thenCompose(remoteDir -> m.readShort(owner, remoteDir + "/ns").thenApply(ns -> {
                        long tasks = ns.lines().filter(l -> l.startsWith("bind ")).count();
                        if (tasks != k) {
                            throw new StyxException("res " + k + " gave " + tasks + " tasks");
                        }
                        return new Reservation(m, owner, remoteDir, new MemberCtl(m, owner, remoteDir + "/ctl", ctl), k);
                    }));
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
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
