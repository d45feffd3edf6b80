package org.taskfs.task;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * Reservations that wait for slots (DESIGN §11). A {@code res} the pool could satisfy (it has that many usable
 * slots of the kind, busy or not) but not now waits here, Pending, its ctl write unanswered, until its slots are
 * had, its client gives up (the write's future is cancelled: Tflush, disconnect), its session is released, or its
 * {@code wait=} time passes. A res asking more than the pool has fails at once. One queue per server: a node
 * queues its direct users' res; a coordinator queues its own and asks its members with {@code wait=0}, so it never
 * waits on a member.
 *
 * <p>Fairness: a queue per user, the users served in turns (round robin), each user's own reservations in their
 * order. Plain first come, first served would hold another user's one session behind all 100 that one user queued;
 * in turns it waits for at most one of theirs. Nothing overtakes the reservation whose turn it is (no backfill): a
 * large res is never starved by a stream of small ones that fit in what it waits for, and a waiting res is not
 * overtaken by one made later, even one that would not wait ({@code wait=0}).
 *
 * <p>One waiting reservation is tried at a time, on the queue's thread, whenever slots may have become free (a run
 * ended, a session was released, a member answered); a res made while nothing waits is tried at once where it
 * arrives, so a burst against a pool with room is placed in parallel, as before.
 *
 * <p>Across a restart (a coordinator's {@code --state}): the queue is kept ({@link #keepIn}) and a restarted
 * server reinstates each waiting reservation as a held place ({@link #reinstate}). Its client's write died with
 * the connection, so a held place is not tried (nothing would take the answer) and does not hold up those behind
 * it; the same {@code res} written again on its session within {@link #HELD_FOR} takes the place back, ahead of
 * what was queued later. A place nobody takes back goes at the end of that time.
 */
public final class ResQueue {
    /** The words every capacity refusal starts with: such a res may wait; any other failure ends it. */
    public static final String SHORTFALL = "res: not enough capacity";

    /**
     * What a session's status and the root ns show of a waiting reservation; {@code note} is what it waits on
     * besides freed slots (the backend's {@link Backend#waitNote}), empty if nothing.
     */
    public record Pending(int count, String command, int ahead, String note) {}

    /** A waiting reservation as a restart needs it, in the order the queue serves them. */
    public record Queued(int session, String command, ResCommand res, Instant since) {}

    /** How long a place kept across a restart waits for its session's client to write its res again. */
    public static final Duration HELD_FOR = Duration.ofSeconds(120);

    private static final class Waiter {
        final Session session;
        final ResCommand res;
        final int n;
        final String os;
        final String arch;
        final String command;
        /** null: until the client gives up; zero: not at all. */
        final Duration wait;
        Instant since = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final CompletableFuture<List<Part>> result = new CompletableFuture<>();
        boolean queued;
        /** A place kept across a restart, its client gone: not tried until the res is written again. */
        boolean held;
        ScheduledFuture<?> deadline;

        Waiter(Session session, ResCommand res, String command, Duration wait) {
            this.session = session;
            this.res = res;
            this.n = res.count();
            this.os = res.os();
            this.arch = res.arch();
            this.command = command;
            this.wait = wait;
        }

        boolean mayWait() {
            return wait == null || !wait.isZero();
        }
    }

    private final Backend backend;
    private final ScheduledExecutorService timer;
    private volatile Duration defaultWait;

    /** Per user, their waiting reservations in order; the map's order is the users' turns, the next first. */
    private final LinkedHashMap<String, ArrayDeque<Waiter>> users = new LinkedHashMap<>();
    /** The reservation being tried now, still at the head of its user's queue; null if none. */
    private Waiter trying;
    /** Slots may have become free while {@link #trying} was tried: try again when it fails. */
    private boolean again;
    /** Told the queue's order at every change (a coordinator's state); null if nothing keeps it. */
    private Consumer<List<Queued>> keeper;
    private List<Queued> kept = List.of();

    ResQueue(Backend backend, ScheduledExecutorService timer) {
        this.backend = backend;
        this.timer = timer;
    }

    /** How long a res without {@code wait=} waits: null until its client gives up (the default), zero not at all. */
    public void defaultWait(Duration d) {
        defaultWait = d;
    }

    /**
     * Reserves {@code res.count()} tasks for {@code s}, waiting in the queue when the pool could hold them later
     * (for {@code res.waitFor()}: null for the server's default, zero for not at all). Cancelling the returned
     * future withdraws the reservation (what was reserved meanwhile is released).
     *
     * @param command the ctl command, as the session's status shows it while it waits
     */
    public CompletableFuture<List<Part>> reserve(Session s, ResCommand res, String command) {
        int n = res.count();
        Backend.Room room;
        try {
            room = backend.room(res);
        } catch (StyxException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (n > room.slots()) {
            return StyxException.failed(SHORTFALL + ": asked " + n + ", " + room.slots() + " slot"
                    + (room.slots() == 1 ? "" : "s") + " in the pool (" + room.kind() + ")" + room.note());
        }
        Waiter w = waiter(s, res, command, res.waitFor() != null ? res.waitFor() : defaultWait);
        boolean now;
        int ahead;
        synchronized (this) {
            now = users.isEmpty();
            ahead = waiting();
            Waiter place = w.mayWait() ? heldPlace(s, command) : null;
            if (place != null) {
                takePlace(place, w);
            } else if (!now && w.mayWait()) {
                enqueue(w);
            }
        }
        if (now) {
            tryNow(w);
        } else if (!w.mayWait()) {
            w.result.completeExceptionally(new StyxException(SHORTFALL + ": asked " + n + ", " + room.free()
                    + " free slot" + (room.free() == 1 ? "" : "s") + " and " + ahead + " reservation"
                    + (ahead == 1 ? "" : "s") + " waiting ahead (" + room.kind() + ")" + room.note()));
        } else {
            kick();
        }
        return w.result;
    }

    private Waiter waiter(Session s, ResCommand res, String command, Duration wait) {
        Waiter w = new Waiter(s, res, command, wait);
        w.result.whenComplete((v, e) -> {
            if (e != null) {
                withdraw(w);
            }
            backend.waitEnded(w.res);
        });
        return w;
    }

    /** Keeps the queue's order in {@code keeper} from now on (told under the queue's lock, so in order). */
    public synchronized void keepIn(Consumer<List<Queued>> keeper) {
        this.keeper = keeper;
        changed();
    }

    /**
     * Puts back the reservations that waited before a restart, as places held for their sessions' clients for
     * {@code heldFor} (or what is left of their own {@code wait=}, if less); those whose session is gone are
     * dropped.
     */
    public void reinstate(List<Queued> before, IntFunction<Session> sessions, Duration heldFor) {
        synchronized (this) {
            for (Queued q : before) {
                Session s = sessions.apply(q.session());
                if (s == null) {
                    continue;
                }
                // No longer than its own wait= would have lasted: its client was told that much.
                Duration hold = heldFor;
                if (q.res().waitFor() != null) {
                    Duration left = Duration.between(Instant.now(), q.since().plus(q.res().waitFor()));
                    if (left.compareTo(hold) < 0) {
                        hold = left;
                    }
                }
                if (hold.isNegative() || hold.isZero()) {
                    continue;
                }
                Waiter w = waiter(s, q.res(), q.command(), hold);
                w.held = true;
                w.since = q.since();
                enqueue(w);
            }
        }
        kick();
    }

    /** The place held for {@code s}'s {@code command} since a restart, or null. */
    private Waiter heldPlace(Session s, String command) {
        ArrayDeque<Waiter> theirs = users.get(s.owner());
        if (theirs != null) {
            for (Waiter w : theirs) {
                if (w.held && w.session == s && w.command.equals(command)) {
                    return w;
                }
            }
        }
        return null;
    }

    /** The res written again takes its held place: the same position and since, its own wait and client. */
    private void takePlace(Waiter place, Waiter w) {
        ArrayDeque<Waiter> theirs = users.get(place.session.owner());
        ArrayDeque<Waiter> swapped = new ArrayDeque<>();
        for (Waiter x : theirs) {
            swapped.add(x == place ? w : x);
        }
        theirs.clear();
        theirs.addAll(swapped);
        place.queued = false;
        if (place.deadline != null) {
            place.deadline.cancel(false);
        }
        w.since = place.since;
        w.queued = true;
        schedule(w);
        changed();
    }

    /** Nothing waits: tried where it arrives; if it does not fit now, it joins the queue. */
    private void tryNow(Waiter w) {
        Futures.attempt(() -> backend.reserve(w.session, w.res)).whenComplete((parts, e) -> {
            if (e == null) {
                deliver(w, parts);
                return;
            }
            if (!shortfall(e) || !w.mayWait()) {
                w.result.completeExceptionally(Futures.cause(e));
                return;
            }
            synchronized (this) {
                if (w.result.isDone()) {
                    return;
                }
                enqueue(w);
            }
            kick(); // slots freed while it was being tried are not missed
        });
    }

    /** Slots may have become free: the reservation whose turn it is is tried (on the queue's thread). */
    public void kick() {
        synchronized (this) {
            if (users.isEmpty()) {
                return;
            }
        }
        try {
            timer.execute(this::serve);
        } catch (RejectedExecutionException e) {
            // the server is stopping: its sessions, and their waits, are being released
        }
    }

    private void serve() {
        Waiter w;
        synchronized (this) {
            if (trying != null) {
                again = true;
                return;
            }
            w = head();
            if (w == null) {
                return;
            }
            trying = w;
            again = false;
        }
        Futures.attempt(() -> backend.reserve(w.session, w.res)).whenComplete((parts, e) -> {
            boolean next;
            synchronized (this) {
                trying = null;
                if (e == null) {
                    remove(w);
                    // Its user has had a turn: the next user's comes first.
                    ArrayDeque<Waiter> theirs = users.remove(w.session.owner());
                    if (theirs != null) {
                        users.put(w.session.owner(), theirs);
                    }
                    changed();
                    next = true;
                } else if (shortfall(e) && !w.result.isDone()) {
                    next = again; // still its turn: it waits for the next freeing
                } else {
                    remove(w);
                    next = true;
                }
            }
            if (e == null) {
                deliver(w, parts);
            } else if (!shortfall(e)) {
                w.result.completeExceptionally(Futures.cause(e));
            }
            if (next) {
                kick();
            }
        });
    }

    /** Gives the parts to the reservation, or, if it was given up meanwhile, frees them for the next. */
    private void deliver(Waiter w, List<Part> parts) {
        if (!w.result.complete(parts)) {
            List<CompletableFuture<Void>> freed = new ArrayList<>();
            for (Part p : parts) {
                freed.add(p.release());
            }
            Session.allOf(freed).whenComplete((v, e) -> kick());
        }
    }

    private static boolean shortfall(Throwable e) {
        String text = Failures.text(e);
        // A coordinator's members refusing (each of them full now) is a shortfall too.
        return text.startsWith(SHORTFALL) || text.contains(": " + SHORTFALL);
    }

    private void enqueue(Waiter w) {
        users.computeIfAbsent(w.session.owner(), k -> new ArrayDeque<>()).add(w);
        w.queued = true;
        schedule(w);
        changed();
    }

    /** Its wait= (or a held place's time) begins. */
    private void schedule(Waiter w) {
        if (w.wait != null) {
            try {
                w.deadline = timer.schedule(() -> expire(w), w.wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // stopping: released with its session
            }
        }
    }

    private void remove(Waiter w) {
        if (!w.queued) {
            return;
        }
        w.queued = false;
        ArrayDeque<Waiter> theirs = users.get(w.session.owner());
        if (theirs != null) {
            theirs.remove(w);
            if (theirs.isEmpty()) {
                users.remove(w.session.owner());
            }
        }
        if (w.deadline != null) {
            w.deadline.cancel(false);
        }
        changed();
    }

    /** Tells the keeper the queue's order if it changed; under the lock. */
    private void changed() {
        if (keeper == null) {
            return;
        }
        List<Queued> now = new ArrayList<>();
        for (Waiter w : order()) {
            now.add(new Queued(w.session.id(), w.command, w.res, w.since));
        }
        if (!now.equals(kept)) {
            kept = List.copyOf(now);
            keeper.accept(kept);
        }
    }

    /** Given up (cancelled, timed out, its session released): out of the queue, and the next may have its turn. */
    private void withdraw(Waiter w) {
        boolean wasHead;
        synchronized (this) {
            if (!w.queued) {
                return;
            }
            wasHead = head() == w;
            remove(w);
        }
        if (wasHead) {
            kick();
        }
    }

    private void expire(Waiter w) {
        if (w.held) {
            withdraw(w);
            w.result.completeExceptionally(new StyxException("res: the place kept across a restart was not taken"
                    + " again within " + seconds(w.wait)));
            return;
        }
        Backend.Room room = backend.room(w.res);
        int ahead;
        synchronized (this) {
            if (!w.queued) {
                return;
            }
            ahead = order().indexOf(w);
        }
        String note = backend.waitNote(w.res); // what it was waiting on, besides slots
        withdraw(w); // out of the queue before its client hears, so no one sees it pending after its answer
        w.result.completeExceptionally(new StyxException(SHORTFALL + ": waited " + seconds(w.wait) + " for "
                + w.n + " slot" + (w.n == 1 ? "" : "s") + ", " + room.free() + " free, " + ahead + " reservation"
                + (ahead == 1 ? "" : "s") + " ahead (" + room.kind() + ")" + room.note()
                + (note.isEmpty() ? "" : "; " + note)));
    }

    /** The session's waiting reservation is given up: its session is being released. */
    void cancel(Session s, String why) {
        List<Waiter> mine = new ArrayList<>();
        synchronized (this) {
            ArrayDeque<Waiter> theirs = users.get(s.owner());
            if (theirs != null) {
                for (Waiter w : theirs) {
                    if (w.session == s) {
                        mine.add(w);
                    }
                }
            }
        }
        mine.forEach(w -> w.result.completeExceptionally(new StyxException(why)));
    }

    /** The reservation whose turn it is: held places are passed over (nobody would take their answer). */
    private Waiter head() {
        for (ArrayDeque<Waiter> q : users.values()) {
            for (Waiter w : q) {
                if (!w.held) {
                    return w;
                }
            }
        }
        return null;
    }

    private int waiting() {
        int n = 0;
        for (ArrayDeque<Waiter> q : users.values()) {
            n += q.size();
        }
        return n;
    }

    /** Every waiting reservation in the order it will be served: the users' heads in turn, then their seconds… */
    private List<Waiter> order() {
        List<Iterator<Waiter>> turns = new ArrayList<>();
        for (ArrayDeque<Waiter> q : users.values()) {
            turns.add(q.iterator());
        }
        List<Waiter> out = new ArrayList<>();
        boolean any = true;
        while (any) {
            any = false;
            for (Iterator<Waiter> it : turns) {
                if (it.hasNext()) {
                    out.add(it.next());
                    any = true;
                }
            }
        }
        return out;
    }

    /** The session's waiting reservation, or null if none waits. */
    public synchronized Pending pendingOf(Session s) {
        List<Waiter> all = order();
        for (int i = 0; i < all.size(); i++) {
            Waiter w = all.get(i);
            if (w.session == s) {
                return new Pending(w.n, w.command, i, note(w));
            }
        }
        return null;
    }

    /**
     * The root ns lines of the queue, in the order they will be served:
     * {@code pending SESSION USER N OS ARCH since=TIME ['note=NOTE']} (TIME ISO-8601 UTC; OS and ARCH {@code *} for
     * any; NOTE, quoted, what it waits on besides freed slots: {@code 'note=slurm job 12: PENDING Resources'}).
     */
    public synchronized String nsLines() {
        StringBuilder b = new StringBuilder();
        for (Waiter w : order()) {
            b.append("pending ").append(w.session.id()).append(' ').append(PlanNineQuoting.quote(w.session.owner()))
                    .append(' ').append(w.n).append(' ').append(PlanNineQuoting.quote(w.os)).append(' ')
                    .append(PlanNineQuoting.quote(w.arch)).append(" since=").append(w.since);
            String note = note(w);
            if (!note.isEmpty()) {
                b.append(' ').append(PlanNineQuoting.quote("note=" + note));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** What it waits on besides freed slots; a held place, for its client to write it again. */
    private String note(Waiter w) {
        return w.held ? "held since a restart: write it to ctl again to take its place" : backend.waitNote(w.res);
    }

    private static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }
}
