package org.taskfs.task;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.styx.util.Futures;

/**
 * A session: tasks reserved in parts (a node's own, or sessions on a coordinator's members), numbered 0..R-1
 * and driven together. The same class serves on a node and on a coordinator; what differs is in the
 * {@link Part}s. Settings (env, args, dir, nice) are kept here, for reading and for local parts, and mirrored
 * to parts that live on another server. A session belongs to no connection: it ends on {@code release}, on
 * {@code killonclose} with its last file closed, or when finished and untouched for the idle timeout; a
 * session held by a connection ({@code hold}) is not idle while that connection lasts. Thread-safe.
 */
public final class Session {
    /** How gathered reads merge the tasks' output (DESIGN §3.4). */
    public enum Output { ORDERED, LINES, TAGGED }

    /** How stdin writes spread over the tasks (DESIGN §3.5). */
    public enum Input { BCAST, RR, HASH }

    /** Where task i lives: its part, its number in the part, and the part's first task in the session. */
    private record Place(Part part, int inPart) {}

    private final int id;
    private final String owner;
    private final Sessions table;

    private final List<Part> parts = new ArrayList<>();
    private final List<Integer> partFirst = new ArrayList<>();
    private final List<Leaf> leaves = new ArrayList<>();
    private final List<Place> places = new ArrayList<>();
    private final Map<String, String> env;
    private final Map<Integer, Map<String, String>> taskEnv = new LinkedHashMap<>();
    private final Map<Integer, List<String>> taskArgs = new LinkedHashMap<>();
    private WorkDir workDir = WorkDir.HOME;
    private int nice;
    /** Set by a coordinator that reserved this session as a part of its own; null: named as here. */
    private Identity given;
    /** The ident each part was last sent. */
    private final Map<Part, String> identified = new java.util.HashMap<>();
    private volatile Output output = Output.ORDERED;
    private volatile Input input = Input.BCAST;
    private int refs;
    private boolean killOnClose;
    /**
     * The connection that wrote {@code hold}, or null: once it closes the session is an orphan, released after a
     * grace. Held by a connection, not by an open file, so that a holder keeps nothing open for a finished session.
     */
    private Long holder;
    private java.util.concurrent.Future<?> orphanRelease;
    private boolean ran;
    private final long created = System.nanoTime();
    private long touched = created;
    private boolean released;
    private final Refusals refusals = new Refusals(java.time.Clock.systemUTC());
    /** Serialises res, exec and release: each sees the others' results. */
    private CompletableFuture<Void> lastCommand = CompletableFuture.completedFuture(null);

    Session(int id, String owner, Sessions table, Map<String, String> env) {
        this.id = id;
        this.owner = owner;
        this.table = table;
        this.env = new LinkedHashMap<>(env);
    }

    public int id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public synchronized boolean isReleased() {
        return released;
    }

    public synchronized List<Leaf> leaves() {
        return List.copyOf(leaves);
    }

    /** Task {@code task}, or all of them for -1. */
    public synchronized List<Leaf> leaves(int task) {
        return task < 0 ? List.copyOf(leaves) : List.of(leaves.get(task));
    }

    public synchronized int size() {
        return leaves.size();
    }

    public synchronized Leaf leaf(int i) {
        return i >= 0 && i < leaves.size() ? leaves.get(i) : null;
    }

    public synchronized List<Part> parts() {
        return List.copyOf(parts);
    }

    /** The session number of task 0 of {@code p}. */
    public synchronized int firstOf(Part p) {
        int i = parts.indexOf(p);
        if (i < 0) {
            throw new IllegalArgumentException("not a part of session " + id);
        }
        return partFirst.get(i);
    }

    public Output output() {
        return output;
    }

    public Input input() {
        return input;
    }

    /** How the session's tasks are named to their processes. */
    public synchronized Identity identity() {
        return given != null ? given : new Identity(table.backend().address(), "/" + id, 0, leaves.size());
    }

    // ------------------------------------------------------------------ what local parts read at exec

    public synchronized Map<String, String> env() {
        return new LinkedHashMap<>(env);
    }

    public synchronized Map<String, String> taskEnv(int i) {
        return new LinkedHashMap<>(taskEnv.getOrDefault(i, Map.of()));
    }

    /** The pending argument lines of task {@code i}, now spent on its exec. */
    public synchronized List<String> takeArgs(int i) {
        List<String> a = taskArgs.remove(i);
        return a == null ? List.of() : a;
    }

    public synchronized WorkDir workDir() {
        return workDir;
    }

    public synchronized int nice() {
        return nice;
    }

    // ------------------------------------------------------------------ state kept for a restart

    /** What a restart needs to take this session back, as of now. */
    public synchronized SessionState state() {
        List<String> records = new ArrayList<>();
        for (Part p : parts) {
            String r = p.record();
            if (r != null) {
                records.add(r);
            }
        }
        return new SessionState(id, owner, env, taskEnv, taskArgs, workDir, nice, output, input, killOnClose, given, records);
    }

    /**
     * Takes back the settings of {@code st} and {@code restored}, the parts its records named, found again: as
     * they were, nothing is mirrored (their servers have kept their own copies).
     */
    synchronized void restore(SessionState st, List<Part> restored) {
        taskEnv.putAll(st.taskEnv());
        st.taskArgs().forEach((k, v) -> taskArgs.put(k, new ArrayList<>(v)));
        workDir = st.workDir();
        nice = st.nice();
        output = st.output();
        input = st.input();
        killOnClose = st.killOnClose();
        given = st.given();
        for (Part p : restored) {
            partFirst.add(leaves.size());
            parts.add(p);
            for (int i = 0; i < p.tasks().size(); i++) {
                leaves.add(p.tasks().get(i));
                places.add(new Place(p, i));
            }
        }
        ran = leaves.stream().anyMatch(l -> l.lastRun() != null);
    }

    /** {@code done}, answered once the change it made is kept (SessionStore), whether it succeeded or not. */
    private <T> CompletableFuture<T> kept(CompletableFuture<T> done) {
        SessionStore store = table.store();
        if (store == SessionStore.NONE) {
            return done;
        }
        return done.handle((v, e) -> store.saved(this).handle((x, y) -> {
            if (e != null) {
                throw new java.util.concurrent.CompletionException(Failures.cause(e));
            }
            if (y != null) {
                throw new StyxException("the change was made but could not be kept for a restart: " + Failures.text(y));
            }
            return v;
        })).thenCompose(f -> f);
    }

    // ------------------------------------------------------------------ references and lifetime

    public synchronized void ref() {
        refs++;
        touched = System.nanoTime();
    }

    public void unref() {
        boolean release;
        synchronized (this) {
            refs--;
            touched = System.nanoTime();
            // Only once something ran: `echo killonclose > ctl` alone must not end a session being set up.
            release = refs == 0 && killOnClose && ran && !released;
        }
        if (release) {
            table.release(this);
        }
    }

    /** Open files of the session and its tasks (devcmd's REFS column). */
    public synchronized int refs() {
        return refs;
    }

    synchronized boolean isIdleSince(long nanos) {
        // A held session is its holder's to release; after the holder has gone, the orphan grace applies.
        if (refs > 0 || touched >= nanos || holder != null) {
            return false;
        }
        for (Leaf l : leaves) {
            if (l.isRunning()) {
                return false;
            }
        }
        return true;
    }

    public synchronized void touch() {
        touched = System.nanoTime();
    }

    private synchronized void checkLive() {
        if (released) {
            throw new StyxException("session " + id + " has been released");
        }
    }

    // ------------------------------------------------------------------ ctl

    /**
     * What a ctl handler acts on: this session, the task whose ctl it is (-1: the session's own), and the id of
     * the connection that wrote the command.
     */
    public record Target(Session session, int task, long connection) {}

    /** Applies one command written on {@code connection} to the session's ctl ({@code task} -1) or a task's. */
    public CompletableFuture<Void> control(CtlRequest c, int task, long connection) {
        checkLive();
        touch();
        CtlTable.Verb<Target> v = VERBS.verb(c.verb());
        if (task >= 0 && v != null && !TASK_VERBS.contains(v.name())) {
            throw new StyxException(c.verb() + ": a command for the whole session; write it to its ctl, not a task's");
        }
        CompletableFuture<Void> done = VERBS.dispatch(new Target(this, task, connection), c);
        // What only acts (kill, eof, hold, a splice) or ends the session (release) changes nothing a restart takes back.
        return UNKEPT.contains(c.verb()) ? done : Futures.cancelsInner(kept(done), done);
    }

    private static final Set<String> UNKEPT = Set.of("kill", "eof", "hold", "splice", "xsplice", "release");

    private static final List<String> TASK_VERBS = List.of("exec", "kill", "eof");

    /** The session ctl verbs (DESIGN §3.3), the same on every server. */
    static final CtlTable<Target> VERBS = new CtlTable<Target>()
            .add("res", 1, ResCommand.MAX_ARGS, ResCommand.USAGE, (t, c) -> t.session.res(c))
            .add("exec", 1, -1, "exec CMD [ARG...]", (t, c) -> t.session.mayWait(a -> t.session.exec(c, t.task, a)))
            .add("kill", 0, 1, "kill [SIG]", (t, c) -> t.session.kill(c, t.task))
            .add("killonclose", 0, 0, "killonclose", (t, c) -> t.session.killOnClose())
            .add("hold", 0, 0, "hold", (t, c) -> t.session.hold(t.connection))
            .add("dir", 1, 1, "dir PATH|home|scratch", (t, c) -> t.session.setting(c))
            .add("cwd", 1, 1, "cwd PATH", (t, c) -> t.session.setting(c))
            .add("nice", 0, 1, "nice [N]", (t, c) -> t.session.setting(c))
            .add("output", 1, 1, "output ordered|lines|tagged", (t, c) -> {
                t.session.output = mode(Output.class, c);
                return done();
            })
            .add("input", 1, 1, "input bcast|rr|hash", (t, c) -> {
                t.session.input = mode(Input.class, c);
                return done();
            })
            .add("splice", 1, 1, "splice PATH", (t, c) -> t.session.table.splice(t.session, c.arg(0), -1))
            .add("xsplice", 2, 2, "xsplice SRC DST", (t, c) -> {
                Session s = t.session;
                int src = s.taskNumber(c.arg(0));
                int dst = s.taskNumber(c.arg(1));
                return s.table.spliceTask(s, src, dst);
            })
            .add("eof", 0, 0, "eof", (t, c) -> t.session.eof(c, t.task))
            .add("ident", 4, 4, "ident ADDR SESSION FIRST SIZE", (t, c) -> t.session.ident(c))
            // Answered once the parts have freed the tasks, so their slots can be taken at once.
            .add("release", 0, 0, "release", (t, c) -> {
                // A res waiting for slots ends now, rather than holding the release behind it.
                t.session.table.queue().cancel(t.session, "res: session " + t.session.id + " was released while it waited");
                return t.session.serially(() -> t.session.table.release(t.session));
            });

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private static <E extends Enum<E>> E mode(Class<E> type, CtlRequest c) {
        try {
            return Enum.valueOf(type, c.arg(0).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E v : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(v.name().toLowerCase(Locale.ROOT));
            }
            throw new StyxException(c.verb() + ": unknown mode \"" + c.arg(0) + "\"; use one of " + allowed);
        }
    }

    /** A task of this session named in a command ({@code 2}). */
    int taskNumber(String name) {
        int n = TaskFile.directoryNumber(name);
        if (n < 0 || leaf(n) == null) {
            throw new StyxException("no task " + name + " in session " + id);
        }
        return n;
    }

    /**
     * Runs {@code step} after the commands before it. The future returned is the caller's own: the framework
     * cancelling it (a Tflush) does not let the next command start before this one is done.
     */
    private CompletableFuture<Void> serially(Supplier<CompletableFuture<Void>> step) {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = Futures.settled(lastCommand).thenCompose(x -> step.get());
            lastCommand = next;
        }
        return Futures.relay(next, new CompletableFuture<>());
    }

    /**
     * A command that may wait for slots (res, an exec that reserves): {@code step} is given the future answered
     * to the client, whose cancellation (Tflush, disconnect) withdraws the wait; a step whose client gave up
     * before its turn does nothing.
     */
    private CompletableFuture<Void> mayWait(java.util.function.Function<CompletableFuture<Void>, CompletableFuture<Void>> step) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        Futures.relay(serially(() -> answer.isDone() ? done() : step.apply(answer)), answer);
        return answer;
    }

    /** {@code res N [OS [ARCH]] [wait=SECONDS]}: wait=0 fails at once when the slots are not free now. */
    private CompletableFuture<Void> res(CtlRequest c) {
        ResCommand r = ResCommand.parse(c);
        return mayWait(answer -> reserve(r, c.text(), answer));
    }

    /**
     * Reserves through the server's queue: waits (Pending) while the pool could hold them later. A reservation
     * made after the client gave up ({@code answer} done) is let go at once.
     */
    private CompletableFuture<Void> reserve(ResCommand r, String command, CompletableFuture<Void> answer) {
        CompletableFuture<List<Part>> got = table.queue().reserve(this, r, command);
        Futures.cancelsInner(answer, got);
        return got.thenCompose(added -> {
            List<CompletableFuture<Void>> told = new ArrayList<>();
            synchronized (this) {
                if (released || answer.isDone()) {
                    added.forEach(Part::release);
                    table.queue().kick();
                    throw new StyxException(released ? "session " + id + " has been released"
                            : "res: given up while waiting");
                }
                for (Part p : added) {
                    partFirst.add(leaves.size());
                    parts.add(p);
                    for (int i = 0; i < p.tasks().size(); i++) {
                        leaves.add(p.tasks().get(i));
                        places.add(new Place(p, i));
                    }
                    // A part on another server learns what was set before it came.
                    // In pieces that each fit one write: env writes add to what is there, so pieces sum up.
                    for (String piece : EnvLines.pieces(env, CtlRequest.MAX_LENGTH)) {
                        told.add(p.mirror("env", piece));
                    }
                    if (!workDir.equals(WorkDir.HOME)) {
                        told.add(p.mirror("ctl", workDir.command()));
                    }
                    if (nice != 0) {
                        told.add(p.mirror("ctl", "nice " + nice));
                    }
                }
            }
            return allOf(told);
        });
    }

    /**
     * Gives {@code p} its tasks' names if they changed since it was last told (a res changed the size, or an
     * ident the identity). Sent just before an exec, on the same ctl, so it costs that exec no round trip.
     */
    private CompletableFuture<Void> identify(Part p) {
        String command;
        synchronized (this) {
            command = identity().forPart(firstOf(p)).command();
            if (command.equals(identified.get(p))) {
                return done();
            }
            identified.put(p, command);
        }
        return p.mirror("ctl", command).whenComplete((v, e) -> {
            if (e != null) {
                synchronized (this) {
                    identified.remove(p, command);
                }
            }
        });
    }

    private CompletableFuture<Void> ident(CtlRequest c) {
        int first = c.intArg(2, "first task");
        int size = c.intArg(3, "size");
        if (!c.arg(1).startsWith("/")) {
            throw new StyxException("ident: bad session path \"" + c.arg(1) + "\"; expected /N");
        }
        synchronized (this) {
            given = new Identity(c.arg(0), c.arg(1), first, size);
        }
        return done();
    }

    /**
     * A coordinator holds the sessions it makes on its members by its connection, which lasts as long as it
     * runs. If that connection closes with the session unreleased (the coordinator died or lost the member),
     * the tasks keep running for the server's orphan grace, so a coordinator back in time can take them by
     * writing {@code hold} again, and are then released, which frees their slots.
     */
    private CompletableFuture<Void> hold(long connection) {
        synchronized (this) {
            checkLive();
            table.holding(this, holder, connection);
            holder = connection;
            if (orphanRelease != null) {
                orphanRelease.cancel(false);
                orphanRelease = null;
            }
        }
        return done();
    }

    /** Connection {@code id} has closed: if it held this session, the orphan grace begins. */
    void connectionClosed(long id) {
        synchronized (this) {
            if (holder == null || holder != id || released) {
                return;
            }
            holder = null;
            orphanRelease = table.releaseOrphanLater(this);
        }
    }

    private CompletableFuture<Void> killOnClose() {
        synchronized (this) {
            killOnClose = true;
        }
        return done();
    }

    /** dir, cwd and nice: kept for later execs here, mirrored to parts elsewhere. */
    private CompletableFuture<Void> setting(CtlRequest c) {
        String mirrored;
        synchronized (this) {
            if (!c.verb().equals("nice")) {
                workDir = WorkDir.of(c);
                mirrored = workDir.command();
            } else {
                nice = c.args().isEmpty() ? 1 : c.intArg(0, "niceness");
                if (nice > MAX_NICE) {
                    throw new StyxException("nice: bad niceness \"" + c.arg(0) + "\"; expected a number from 0 to "
                            + MAX_NICE);
                }
                mirrored = "nice " + nice;
            }
        }
        List<CompletableFuture<Void>> told = new ArrayList<>();
        for (Part p : parts()) {
            told.add(p.mirror("ctl", mirrored));
        }
        return allOf(told);
    }

    /** The highest niceness Linux has; a higher one is refused rather than quietly lowered to it. */
    static final int MAX_NICE = 19;

    /**
     * Runs the command on every task (or one), one message per part. If any part fails to start, those that
     * started are killed before the error is answered: nothing of a failed exec is left running.
     */
    private CompletableFuture<Void> exec(CtlRequest c, int task, CompletableFuture<Void> answer) {
        CompletableFuture<Void> reserved;
        synchronized (this) {
            reserved = parts.isEmpty() ? reserve(ResCommand.any(1), c.text(), answer) : done();
        }
        return reserved.thenCompose(x -> {
            // devcmd's answer, given before anything is sent: all or nothing, and no run replaced.
            for (Leaf l : leaves(task)) {
                if (l.isRunning()) {
                    throw new StyxException(CtlRequest.IN_USE);
                }
            }
            synchronized (this) {
                ran = true;
            }
            Map<Part, Integer> to = scope(task);
            Map<Part, CompletableFuture<Void>> sent = new LinkedHashMap<>();
            to.forEach((p, t) -> {
                CompletableFuture<Void> named = identify(p);
                sent.put(p, p.command(c, t).thenCombine(named, (a, b) -> null));
            });
            CompletableFuture<String> settled = settle(sent);
            settled.whenComplete((f, e) -> kickWhenTheyEnd(task));
            return settled.thenCompose(failure -> {
                if (failure == null) {
                    return done();
                }
                List<CompletableFuture<Void>> kills = new ArrayList<>();
                sent.forEach((p, f) -> {
                    if (!f.isCompletedExceptionally()) {
                        kills.add(Futures.settled(p.command(KILL, to.get(p))));
                    }
                });
                return allOf(kills).thenApply(killed -> {
                    throw new StyxException(failure);
                });
            });
        });
    }

    /** A run that ends frees its task's slot: a waiting reservation is tried then. */
    private void kickWhenTheyEnd(int task) {
        for (Leaf l : leaves(task)) {
            Run r = l.lastRun();
            if (r != null) {
                r.waitLine().whenComplete((line, e) -> table.queue().kick());
            }
        }
    }

    private static final CtlRequest KILL = CtlRequest.parse("kill 9".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** Which parts a command for {@code task} goes to, with the task's number there (-1: all of theirs). */
    private synchronized Map<Part, Integer> scope(int task) {
        Map<Part, Integer> to = new LinkedHashMap<>();
        if (task >= 0) {
            Place at = places.get(task);
            to.put(at.part, at.inPart);
        } else {
            for (Part p : parts) {
                to.put(p, -1);
            }
        }
        return to;
    }

    /** Completes, once all have answered, with the first failure's text, or null if none failed. */
    private static CompletableFuture<String> settle(Map<Part, CompletableFuture<Void>> sent) {
        return allOf(new ArrayList<>(sent.values())).handle((v, e) -> {
            for (CompletableFuture<Void> f : sent.values()) {
                if (f.isCompletedExceptionally()) {
                    return Failures.text(Futures.failure(f).join());
                }
            }
            return null;
        });
    }

    /** kill: to the parts with something running; "not started" from some of them is fine. */
    private CompletableFuture<Void> kill(CtlRequest c, int task) {
        if (!c.args().isEmpty()) {
            Signals.parse(c.arg(0));
        }
        if (size() == 0) {
            throw new StyxException("kill: no tasks reserved; write \"res N\" first");
        }
        Map<Part, Integer> to = new LinkedHashMap<>();
        scope(task).forEach((p, t) -> {
            List<? extends Leaf> ts = t < 0 ? p.tasks() : List.of(p.tasks().get(t));
            if (ts.stream().anyMatch(l -> (l.isRunning() || l.isWriting()) && !l.isLost())) {
                to.put(p, t);
            }
        });
        if (to.isEmpty()) {
            throw new StyxException(CtlRequest.NOT_STARTED);
        }
        Map<Part, CompletableFuture<Void>> sent = new LinkedHashMap<>();
        to.forEach((p, t) -> sent.put(p, p.command(c, t)));
        return allOf(new ArrayList<>(sent.values())).handle((v, e) -> {
            String firstError = null;
            int accepted = 0;
            for (CompletableFuture<Void> f : sent.values()) {
                if (!f.isCompletedExceptionally()) {
                    accepted++;
                    continue;
                }
                String text = Failures.text(Futures.failure(f).join());
                if (!text.equals(CtlRequest.NOT_STARTED) && firstError == null) {
                    firstError = text;
                }
            }
            if (firstError != null) {
                throw new StyxException(firstError);
            }
            if (accepted == 0) {
                throw new StyxException(CtlRequest.NOT_STARTED);
            }
            return null;
        });
    }

    /** eof: every task's stdin closes (a task not yet run starts with it closed). */
    private CompletableFuture<Void> eof(CtlRequest c, int task) {
        if (size() == 0) {
            throw new StyxException(c.verb() + ": no tasks reserved; write \"res N\" first");
        }
        // What the splices begun before this eof copy reaches every task before its EOF: the eof waits for them
        // (answered at once all the same, since a splice may follow a task's output for a long time).
        List<CompletableFuture<Void>> before = new ArrayList<>();
        splicing.forEach((copy, into) -> {
            if (task < 0 || into < 0 || into == task) {
                before.add(copy);
            }
        });
        if (!before.isEmpty()) {
            allOf(before).handle((v, e) -> sendEof(c, task)).thenCompose(f -> f).whenComplete((v, e) -> {
                if (e != null) {
                    System.getLogger(Session.class.getName()).log(System.Logger.Level.DEBUG,
                            "eof after splices, session {0}: {1}", id, Failures.text(e));
                }
            });
            return done();
        }
        return sendEof(c, task);
    }

    /** Splices copying into this session, each with the task it feeds (-1: all of them) until it completes. */
    private final Map<CompletableFuture<Void>, Integer> splicing = new java.util.concurrent.ConcurrentHashMap<>();

    /** A splice into {@code task}'s stdin (-1: the session's) copies until {@code copied} completes. */
    void splicing(int task, CompletableFuture<Void> copied) {
        splicing.put(copied, task);
        copied.whenComplete((v, e) -> splicing.remove(copied));
    }

    private CompletableFuture<Void> sendEof(CtlRequest c, int task) {
        Map<Part, CompletableFuture<Void>> sent = new LinkedHashMap<>();
        scope(task).forEach((p, t) -> {
            if (p.tasks().stream().anyMatch(l -> !l.isLost())) {
                sent.put(p, p.command(c, t));
            }
        });
        if (sent.isEmpty()) {
            throw new StyxException("every task of session " + id + " is lost");
        }
        return settle(sent).thenAccept(failure -> {
            if (failure != null) {
                throw new StyxException(failure);
            }
        });
    }

    static CompletableFuture<Void> allOf(List<? extends CompletableFuture<?>> fs) {
        return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0]));
    }

    // ------------------------------------------------------------------ files

    /** The env file of the session ({@code task} -1) or a task. */
    public synchronized String envText(int task) {
        return EnvLines.format(task < 0 ? env : taskEnv.getOrDefault(task, Map.of()));
    }

    public CompletableFuture<Void> addEnv(int task, String text) {
        checkLive();
        touch();
        Place at;
        synchronized (this) {
            // Parsed before it is kept or sent: a refused line changes nothing anywhere.
            Map<String, String> into = new LinkedHashMap<>(task < 0 ? env : taskEnv.getOrDefault(task, Map.of()));
            EnvLines.parseInto(text, into);
            if (task < 0) {
                env.clear();
                env.putAll(into);
            } else {
                taskEnv.put(task, into);
            }
            at = task < 0 ? null : places.get(task);
        }
        if (at != null) {
            return kept(at.part.mirror(at.inPart + "/env", text));
        }
        List<CompletableFuture<Void>> told = new ArrayList<>();
        for (Part p : parts()) {
            told.add(p.mirror("env", text));
        }
        return kept(allOf(told));
    }

    /** The lines of one args write: a final newline ends the last line, it does not begin another. */
    public static String[] argLines(String text) {
        return text.split("\n");
    }

    /**
     * One write to {@code args}: in the session's file, line k of everything written on that open file goes to
     * task k, {@code firstLine} being how many lines came before this write; in a task's file, every line is that
     * task's. Lines add to what the task has pending until its exec spends them.
     */
    public CompletableFuture<Void> addArgs(int task, String text, int firstLine) {
        checkLive();
        touch();
        String[] lines = argLines(text);
        Map<Part, StringBuilder> mirrored = new LinkedHashMap<>();
        synchronized (this) {
            int count = leaves.size();
            if (task < 0 && firstLine + lines.length > count) {
                throw new StyxException("args: line " + (count + 1) + " for a session of " + count + " task"
                        + (count == 1 ? "" : "s") + " (line k is task k's; open args anew to start again at task 0)");
            }
            Map<Integer, String> byTask = new LinkedHashMap<>();
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    byTask.merge(task < 0 ? firstLine + i : task, lines[i], (a, b) -> a + " " + b);
                }
            }
            // Each part gets one args write, a fresh open there: a line per task of its own, in its own numbering.
            for (Part p : parts) {
                int first = partFirst.get(parts.indexOf(p));
                StringBuilder b = new StringBuilder();
                boolean any = false;
                for (int k = 0; k < p.tasks().size(); k++) {
                    String l = byTask.getOrDefault(first + k, "");
                    any |= !l.isEmpty();
                    b.append(l).append('\n');
                }
                if (any) {
                    // Blank lines for the part's earlier tasks can make its write longer than this one.
                    CtlRequest.checkLength("args write (as forwarded)", b.toString().getBytes(StandardCharsets.UTF_8).length);
                    mirrored.put(p, b);
                }
            }
            // Kept only once every part's write is known to fit: a refused write changes nothing.
            byTask.forEach((t, l) -> taskArgs.computeIfAbsent(t, k -> new ArrayList<>()).add(l));
        }
        List<CompletableFuture<Void>> told = new ArrayList<>();
        mirrored.forEach((p, b) -> told.add(p.mirror("args", b.toString())));
        return kept(allOf(told));
    }

    /** A truncating open of {@code args}: the pending arguments of the session's tasks (or the one task) go. */
    public CompletableFuture<Void> clearArgs(int task) {
        checkLive();
        touch();
        Set<Part> told = new LinkedHashSet<>();
        synchronized (this) {
            if (task < 0) {
                taskArgs.clear();
                told.addAll(parts);
            } else {
                taskArgs.remove(task);
                told.add(places.get(task).part);
            }
        }
        List<CompletableFuture<Void>> cleared = new ArrayList<>();
        for (Part p : told) {
            cleared.add(p.truncate(task < 0 ? "args" : places.get(task).inPart + "/args"));
        }
        return kept(allOf(cleared));
    }

    /** Per task, its pending argument lines joined, one line per task. */
    public synchronized String argsText(int task) {
        StringBuilder b = new StringBuilder();
        int from = task < 0 ? 0 : task;
        int to = task < 0 ? leaves.size() : task + 1;
        for (int t = from; t < to; t++) {
            b.append(String.join(" ", taskArgs.getOrDefault(t, List.of()))).append('\n');
        }
        return b.toString();
    }

    /** The server refused a request on {@code file} of the session ({@code task} -1) or of a task with {@code error}. */
    public void refused(int task, String file, String error) {
        refusals.add(task, "/" + id + (task < 0 ? "" : "/" + task) + "/" + file, error);
    }

    /** The err file: what was refused on the session's files (a task's: on that task's), oldest first. */
    public String errText(int task) {
        return refusals.text(task);
    }

    /** The binding table: {@code bind ADDR!DIR I} per task. */
    public synchronized String ns(int task) {
        StringBuilder b = new StringBuilder();
        for (int t = 0; t < leaves.size(); t++) {
            if (task < 0 || t == task) {
                Place at = places.get(t);
                b.append("bind ").append(at.part.binding(at.inPart)).append(' ')
                        .append(task < 0 ? Integer.toString(t) : ".").append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Its line of the root {@code sessions}: what this server knows now, without asking any other (a task on a
     * member is counted by the run copied here), so a listing of every session costs no request.
     */
    public SessionInfo info() {
        List<Leaf> tasks;
        List<String> nodes = new ArrayList<>();
        int files;
        SessionInfo.Held held;
        boolean kills;
        long now = System.nanoTime();
        long age;
        long idle;
        synchronized (this) {
            tasks = List.copyOf(leaves);
            for (Part p : parts) {
                if (!nodes.contains(p.where())) {
                    nodes.add(p.where());
                }
            }
            files = refs;
            held = holder != null ? SessionInfo.Held.CONN
                    : orphanRelease != null ? SessionInfo.Held.ORPHAN : SessionInfo.Held.NO;
            kills = killOnClose;
            age = (now - created) / 1_000_000_000L;
            idle = (now - touched) / 1_000_000_000L;
        }
        int closed = 0;
        int running = 0;
        int done = 0;
        int failed = 0;
        int lost = 0;
        for (Leaf l : tasks) {
            Run r = l.lastRun();
            String waitLine = r == null ? null : r.waitLine().getNow(null);
            if (l.isLost()) {
                lost++;
            } else if (l.isRunning() || (r != null && waitLine == null)) {
                running++;
            } else if (r == null) {
                closed++;
            } else {
                // Failed as taskfs run counts it: the wait line has a message (MSG, its last word).
                List<String> f = PlanNineQuoting.tokenize(waitLine);
                if (f.isEmpty() || f.get(f.size() - 1).isEmpty()) {
                    done++;
                } else {
                    failed++;
                }
            }
        }
        ResQueue.Pending pending = table.queue().pendingOf(this);
        return new SessionInfo(id, owner, age, idle, tasks.size(), closed, running, done, failed, lost, files,
                held, kills, nodes, pending == null ? 0 : pending.count());
    }

    /** One status line per task, in task order; one request per part. */
    public CompletableFuture<String> status(int task) {
        Map<Part, CompletableFuture<List<String>>> asked = new LinkedHashMap<>();
        List<Place> which;
        synchronized (this) {
            which = task < 0 ? List.copyOf(places) : List.of(places.get(task));
        }
        for (Place at : which) {
            asked.computeIfAbsent(at.part, Part::status);
        }
        ResQueue.Pending pending = task < 0 ? table.queue().pendingOf(this) : null;
        return allOf(new ArrayList<>(asked.values())).thenApply(v -> {
            StringBuilder b = new StringBuilder();
            for (Place at : which) {
                b.append(asked.get(at.part).join().get(at.inPart));
            }
            if (pending != null) {
                b.append(pendingLine(pending));
            }
            return b.toString();
        });
    }

    /**
     * The status line of a reservation waiting for slots, in the family of the tasks' lines: {@code cmd/K REFS
     * Pending '' 'res 8'}, K the number its first task will have, no directory yet, the command that waits, and
     * what it waits on besides freed slots if anything ({@code 'slurm job 12: PENDING Resources'}).
     */
    private String pendingLine(ResQueue.Pending p) {
        int next;
        int r;
        synchronized (this) {
            next = leaves.size();
            r = refs;
        }
        return "cmd/" + next + " " + r + " " + TaskState.Pending + " '' " + PlanNineQuoting.quote(p.command())
                + (p.note().isEmpty() ? "" : " " + PlanNineQuoting.quote(p.note())) + "\n";
    }

    /** Ends the session: kills what runs, frees every part. Called by the table. */
    CompletableFuture<Void> releaseNow() {
        List<Part> ps;
        synchronized (this) {
            if (released) {
                return done();
            }
            released = true;
            ps = List.copyOf(parts);
            if (orphanRelease != null) {
                orphanRelease.cancel(false);
            }
            if (holder != null) {
                table.notHeld(this, holder);
            }
        }
        table.queue().cancel(this, "res: session " + id + " was released while it waited");
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Part p : ps) {
            all.add(p.release());
        }
        return allOf(all);
    }
}
