package org.taskfs.coord.pool;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxConnectionException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.Failures;
import org.taskfs.task.Capacity;
import org.taskfs.task.CtlRequest;

/**
 * A server the coordinator has mounted: a node daemon or another coordinator, alike (both serve the
 * same task interface). Knows its capacity from its root {@code ns} ({@link Capacity} lines) and its
 * census from its root {@code status}, refreshed by the pool's heartbeat. Thread-safe.
 */
public final class Member {
    private static final System.Logger LOG = System.getLogger(Member.class.getName());

    /** A task this coordinator placed on the member: it may hold a slot there, and is lost with it. */
    public interface Occupant {
        /** Reserved and its run not ended here: it holds a slot on the member. */
        boolean holdsSlot();

        /** The member is gone. */
        void lost(String reason);
    }

    /** UNREACHABLE: connected, but the heartbeat goes unanswered; its tasks are kept as they were. */
    public enum State { UP, DOWN, DRAINING, UNREACHABLE }

    private final String name;
    private final DialAddress address;
    private final Integer slotsLimit;
    private final Set<Occupant> leaves = ConcurrentHashMap.newKeySet();

    private volatile StyxClient client;
    private volatile State state = State.DOWN;
    private volatile String lostReason = "not connected yet";
    /** The attempt to connect under way, if any. */
    private CompletableFuture<Void> connecting;
    /** Unmounted: never connected again. */
    private boolean closed;
    /** How long a request waits for an unreachable member to answer again: the pool's request timeout. */
    private volatile Duration patience = Duration.ZERO;
    private int slots;
    /** Tasks busy there that are not this coordinator's, as of the last beat. */
    private int busy;
    /**
     * Drained by an admin: no new tasks, through silences and reconnections alike, until undrained (an
     * operator drains a node to work on it, and it may well restart meanwhile).
     */
    private boolean draining;
    /** Why it was drained, shown in ns; null for no reason given. */
    private String drainReason;
    /** A beat is out, unanswered: when it was sent (System.nanoTime) and how many ticks ago. */
    private boolean beatOut;
    private long beatSent;
    private int missedBeats;
    /** Done while the member answers; while it is unreachable, completes when it answers again or is lost. */
    private CompletableFuture<Void> answering = CompletableFuture.completedFuture(null);
    private Map<String, Integer> census = Map.of();

    Member(String name, DialAddress address, Integer slotsLimit) {
        this.name = name;
        this.address = address;
        this.slotsLimit = slotsLimit;
    }

    public String name() {
        return name;
    }

    public DialAddress address() {
        return address;
    }

    public State state() {
        return state;
    }

    // ------------------------------------------------------------------ connection

    /**
     * Connects, attaches, and learns what the member is and what it offers. One attempt at a time: while one
     * is under way (a dial to a silent host takes up to the connect timeout, longer than the reconnect
     * period), this returns it rather than dialling again, so a member coming back gets one connection, not
     * one per tick it was away. A failed attempt's reason is what {@link #down} says.
     */
    CompletableFuture<Void> connect(ClientOptions options, Runnable onLoss) {
        CompletableFuture<Void> attempt;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new java.io.IOException(name + " is unmounted"));
            }
            if (connecting != null && !connecting.isDone()) {
                return connecting;
            }
            attempt = new CompletableFuture<>();
            connecting = attempt;
        }
        dial(options, onLoss).whenComplete((v, e) -> {
            if (e != null) {
                synchronized (this) {
                    if (client == null) {
                        lostReason = Failures.text(e);
                    }
                }
                attempt.completeExceptionally(Failures.cause(e));
            } else {
                attempt.complete(null);
            }
        });
        return attempt;
    }

    /** An attempt to connect is under way. */
    synchronized boolean connecting() {
        return connecting != null && !connecting.isDone();
    }

    synchronized boolean unmounted() {
        return closed;
    }

    /** Why it is down: the loss, or the last failed attempt to connect. */
    synchronized String downReason() {
        return lostReason;
    }

    private CompletableFuture<Void> dial(ClientOptions options, Runnable onLoss) {
        return StyxClient.connect(address, options).thenCompose(c -> carries(c).thenCompose(x -> refresh(c, () -> 0))
                .handle((v, e) -> {
            if (e != null) {
                c.close();
                throw new java.util.concurrent.CompletionException(Failures.cause(e));
            }
            synchronized (this) {
                if (closed) {
                    // Unmounted (the coordinator closing) while this attempt was under way: nothing may keep it.
                    c.close();
                    throw new java.util.concurrent.CompletionException(new java.io.IOException(name + " is unmounted"));
                }
                client = c;
                state = draining ? State.DRAINING : State.UP;
                beatOut = false;
                missedBeats = 0;
                lostReason = null;
                patience = options.requestTimeout();
            }
            c.closeFuture().whenComplete((x, y) -> {
                if (client == c) {
                    lost("connection lost");
                    onLoss.run();
                }
            });
            return null;
        }));
    }

    /**
     * What this coordinator accepts it must be able to forward in one write: a member whose msize leaves
     * less than a ctl command (or env/args write) is refused, with both numbers named, rather than failing
     * those commands one by one later.
     */
    private CompletableFuture<Void> carries(StyxClient c) {
        int most = c.msize() - P9.IOHDRSZ;
        if (most < CtlRequest.MAX_LENGTH) {
            return CompletableFuture.failedFuture(new java.io.IOException("member at " + address + " agreed msize "
                    + c.msize() + ": its writes of at most " + most + " bytes cannot carry a ctl command of up to "
                    + CtlRequest.MAX_LENGTH));
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Reads the member's capacity and census; the heartbeat calls this too. */
    CompletableFuture<Void> refresh(StyxClient c, IntSupplier reserving) {
        // Ours as the member may count them busy: any of ours there when we asked or when it
        // answered, and those being reserved there (the member holds their slots before they are
        // placed here).
        Set<Occupant> ours = new java.util.HashSet<>(leaves);
        int inFlight = reserving.getAsInt();
        CompletableFuture<String> ns = c.readString("/ns");
        CompletableFuture<String> status = c.readString("/status");
        return ns.thenCombine(status, (n, s) -> {
            ours.addAll(leaves);
            update(n, s, ours.size() + inFlight + reserving.getAsInt());
            return null;
        });
    }

    /**
     * One tick of the heartbeat: sends a beat unless one is out. A beat carries no timeout, so it is answered
     * whenever the member answers again; how long it has been out is what tells a stall from a death. Two
     * ticks without an answer make the member unreachable, the node timeout makes it lost.
     *
     * @param reserving slots of this member that reservations under way are taking
     */
    /** Reads its capacity now (sessions taken back after a restart are ours, no longer others'); never fails. */
    CompletableFuture<Void> refreshNow(IntSupplier reserving) {
        StyxClient c = client;
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        return refresh(c, reserving).exceptionally(e -> null);
    }

    void beat(IntSupplier reserving, Duration nodeTimeout) {
        StyxClient c;
        long silent;
        int missed;
        synchronized (this) {
            c = client;
            if (c == null) {
                return;
            }
            if (!beatOut) {
                beatOut = true;
                beatSent = System.nanoTime();
                missedBeats = 0;
                silent = -1;
                missed = 0;
            } else {
                silent = System.nanoTime() - beatSent;
                missed = ++missedBeats;
            }
        }
        if (silent < 0) {
            refresh(c.withTimeout(Duration.ZERO), reserving).whenComplete((v, e) -> answered(c, e));
        } else if (silent >= nodeTimeout.toNanos()) {
            lost("no answer for " + Pool.Settings.seconds(nodeTimeout) + " (the node timeout)");
        } else if (missed >= Pool.Settings.MISSED_BEATS) {
            unreachable();
        }
    }

    /**
     * The member answered a beat. An Rerror is an answer too (a node at its fid limit says "too many fids"):
     * it is alive, so it is not silent; only a closed connection is no answer, and that is a loss of its own.
     */
    private void answered(StyxClient c, Throwable e) {
        if (e != null && Failures.cause(e) instanceof StyxConnectionException) {
            return;
        }
        CompletableFuture<Void> back = null;
        synchronized (this) {
            if (client != c) {
                return;
            }
            beatOut = false;
            missedBeats = 0;
            if (state == State.UNREACHABLE) {
                state = draining ? State.DRAINING : State.UP;
                back = answering;
            }
        }
        if (e != null) {
            LOG.log(System.Logger.Level.DEBUG, "{0} answered the heartbeat with an error: {1}", name, Failures.text(e));
        }
        if (back != null) {
            LOG.log(System.Logger.Level.INFO, "{0} ({1}) answers again", name, address);
            back.complete(null);
        }
    }

    /** Connected but silent: nothing new goes there, its tasks and their readers wait for it. */
    private void unreachable() {
        synchronized (this) {
            if (state != State.UP && state != State.DRAINING) {
                return;
            }
            state = State.UNREACHABLE;
            answering = new CompletableFuture<>();
        }
        LOG.log(System.Logger.Level.WARNING, "{0} ({1}) is unreachable: no answer for {2}; its tasks are kept until "
                + "it answers or the node timeout passes", name, address, silence());
    }

    /** How long the beat now out has gone unanswered, for messages. */
    private synchronized String silence() {
        long nanos = beatOut ? System.nanoTime() - beatSent : 0;
        return Pool.Settings.seconds(Duration.ofNanos(nanos));
    }

    /**
     * Completes once the member can be asked something: at once, unless it is unreachable; then when it
     * answers again. Fails if it is down, or does not answer within the request timeout; as nothing was sent
     * meanwhile, a command that fails here was not carried out there.
     */
    public CompletableFuture<Void> reachable() {
        CompletableFuture<Void> back;
        synchronized (this) {
            if (state != State.UNREACHABLE) {
                return client != null ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(down());
            }
            back = answering;
        }
        return back.copy().orTimeout(patience.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
                .handle((v, e) -> {
                    if (e != null) {
                        throw new java.util.concurrent.CompletionException(new java.io.IOException(
                                name + " (" + address + ") is unreachable: no answer for " + silence()));
                    }
                    if (client == null) {
                        throw new java.util.concurrent.CompletionException(down());
                    }
                    return null;
                });
    }

    private java.io.IOException down() {
        return new java.io.IOException(name + " (" + address + ") is down: " + lostReason);
    }

    private synchronized void update(String ns, String status, int ours) {
        Capacity offered = Capacity.total(address.toString(), name, Capacity.parse(ns));
        slots = slotsLimit != null ? Math.min(slotsLimit, offered.slots()) : offered.slots();
        // Keep only what others keep busy there: our own tasks are counted as they are now, not as
        // they were at the last beat (a task of ours that just ended must free its slot at once).
        busy = Math.max(0, offered.busy() - ours);
        Map<String, Integer> c = new LinkedHashMap<>();
        for (String line : status.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                try {
                    c.merge(f[1] + " " + f[2], Integer.parseInt(f[0]), Integer::sum);
                } catch (NumberFormatException e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: odd status line {1}", name, line);
                }
            }
        }
        census = Map.copyOf(c);
    }

    /** The member is gone (or given up): its leaves are lost, its connection closed. */
    void lost(String reason) {
        StyxClient c;
        CompletableFuture<Void> waiting;
        synchronized (this) {
            if (state == State.DOWN && client == null) {
                return;
            }
            state = State.DOWN;
            lostReason = reason;
            c = client;
            client = null;
            beatOut = false;
            waiting = answering;
            answering = CompletableFuture.completedFuture(null);
        }
        LOG.log(System.Logger.Level.WARNING, "{0} ({1}) is lost: {2}", name, address, reason);
        for (Occupant l : leaves) {
            l.lost(reason);
        }
        leaves.clear();
        // Requests waiting for it to answer again go on, and find it down: after its leaves know they are lost,
        // so that a read of their status that was waiting is answered with the Lost lines, not the failure.
        waiting.complete(null);
        if (c != null) {
            c.close();
        }
    }

    /** At most this many of its slots are used; null for all (what {@code slots=K} said). */
    public Integer slotsLimit() {
        return slotsLimit;
    }

    /** Drained: why ("" for no reason given), or null when it is not drained. */
    public synchronized String drained() {
        return draining ? (drainReason == null ? "" : drainReason) : null;
    }

    /** No new tasks go there; again with another reason replaces it. */
    synchronized void drain(String reason) {
        draining = true;
        drainReason = reason == null || reason.isBlank() ? null : reason;
        if (state == State.UP) {
            state = State.DRAINING;
        }
    }

    /** New tasks may go there again; a member that is not drained is left as it is. */
    synchronized void undrain() {
        draining = false;
        drainReason = null;
        if (state == State.DRAINING) {
            state = State.UP;
        }
    }

    void close() {
        synchronized (this) {
            closed = true;
        }
        lost("unmounted");
    }

    // ------------------------------------------------------------------ capacity

    /**
     * Slots it can take now. A task this coordinator placed there holds its slot from its
     * reservation until its run ends; a finished task keeps only its output, not a slot.
     */
    synchronized int free() {
        return state == State.UP ? Math.max(0, slots - busy - unfinished()) : 0;
    }

    private int unfinished() {
        int n = 0;
        for (Occupant l : leaves) {
            if (l.holdsSlot()) {
                n++;
            }
        }
        return n;
    }

    /** Whether a task this coordinator placed here is still kept (finished or not): a session has it. */
    boolean holdsTasks() {
        return !leaves.isEmpty();
    }

    /** Its slots (as many as the coordinator may use), busy or not. */
    synchronized int slots() {
        return slots;
    }

    synchronized boolean offers(String os, String arch) {
        if (state != State.UP) {
            return false;
        }
        for (String kindName : census.keySet()) {
            String[] f = kindName.split(" ");
            if ((os.equals("*") || os.equalsIgnoreCase(f[0])) && (arch.equals("*") || arch.equalsIgnoreCase(f[1]))) {
                return true;
            }
        }
        return false;
    }

    /** What it offers to new tasks: nothing unless it is up (a draining member takes none). */
    synchronized Map<String, Integer> census() {
        return state == State.UP ? census : Map.of();
    }

    /** A task this coordinator placed here; it holds a slot until it says otherwise. */
    public void placed(Occupant task) {
        leaves.add(task);
    }

    /** A task this coordinator placed here was released. */
    public void released(Occupant task) {
        leaves.remove(task);
    }

    /** The root ns line: {@code mount ADDR NAME slots=K busy=B state=up|down|draining|unreachable}. */
    synchronized String nsLine() {
        return new Capacity(address.toString(), name, slots, busy + unfinished(),
                Capacity.State.valueOf(state.name()), draining ? drainReason : null).line();
    }

    // ------------------------------------------------------------------ files

    /**
     * The connection, acting for {@code user} (a session's owner: the member runs its tasks as them and shows
     * them only their sessions), or for the coordinator itself when null.
     */
    private StyxClient client(String user) {
        StyxClient c = client;
        if (c == null) {
            throw new java.util.concurrent.CompletionException(down());
        }
        return user == null ? c : c.as(user);
    }

    /** The connection once the member answers ({@link #reachable}). */
    private CompletableFuture<StyxClient> ready(String user) {
        return reachable().thenApply(v -> client(user));
    }

    /**
     * Opens a file of the member. A streaming file (stdout, wait…) may legitimately take hours to
     * answer, so its reads carry no timeout and are sent even while the member is unreachable (they are
     * answered when it answers again): the heartbeat is what notices a dead member.
     */
    public CompletableFuture<RemoteFid> open(String user, String path, int mode, boolean streaming) {
        if (!streaming) {
            return ready(user).thenCompose(c -> c.open(path, mode));
        }
        try {
            return client(user).withTimeout(Duration.ZERO).open(path, mode);
        } catch (java.util.concurrent.CompletionException e) {
            return CompletableFuture.failedFuture(e.getCause());
        }
    }

    /** Opens a file of the member with OTRUNC and lets it go: what a truncating open means there happens. */
    public CompletableFuture<Void> truncate(String user, String path) {
        return open(user, path, P9.OWRITE | P9.OTRUNC, false).thenCompose(RemoteFid::clunk);
    }

    /** Writes {@code text} to a file of the member as one write (one ctl command). */
    public CompletableFuture<Void> write(String user, String path, String text) {
        return ready(user).thenCompose(c -> c.write(path, text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Reads a small generated file with one read, not waiting for its clunk; a file that fills the read is
     * read on to its end.
     */
    public CompletableFuture<String> readShort(String user, String path) {
        return open(user, path, P9.OREAD, false).thenCompose(fid -> fid.read(0, fid.iounit())
                .whenComplete((b, e) -> fid.clunk())
                .thenCompose(b -> b.length < fid.iounit()
                        ? CompletableFuture.completedFuture(new String(b, StandardCharsets.UTF_8)) : read(user, path)));
    }

    public CompletableFuture<String> read(String user, String path) {
        return ready(user).thenCompose(c -> c.readString(path));
    }

    @Override
    public String toString() {
        return name + "(" + address + ")";
    }
}
