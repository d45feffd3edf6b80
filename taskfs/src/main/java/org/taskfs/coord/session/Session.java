package org.taskfs.coord.session;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.pool.Member;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.EnvLines;
import org.taskfs.task.Signals;

/**
 * A session: tasks reserved on the pool's members, driven together. Its ctl verbs go to every
 * subtask in parallel; its files gather over and spread to its leaves. A session belongs to no
 * connection: it ends on {@code release}, on {@code killonclose} with its last fid gone, or when
 * it has been finished and untouched for the idle timeout. Thread-safe.
 */
public final class Session implements TaskView {
    /** How gathered reads merge the leaves' output (DESIGN §3.4). */
    public enum OutputMode { ORDERED, LINES, TAGGED }

    /** How stdin writes spread over the leaves (DESIGN §3.5). */
    public enum InputMode { BCAST, RR, HASH }

    private final int id;
    private final String owner;
    private final SessionTable table;
    private final Path scratch;

    private final List<Subtask> subtasks = new ArrayList<>();
    private final Map<String, String> env;
    private final Map<Leaf, Map<String, String>> leafEnv = new LinkedHashMap<>();
    private final Map<Leaf, List<String>> leafArgs = new LinkedHashMap<>();
    private volatile OutputMode output = OutputMode.ORDERED;
    private volatile InputMode input = InputMode.BCAST;
    private int refs;
    private boolean killOnClose;
    private long touched = System.nanoTime();
    private boolean released;
    /** Serialises res, exec and release: each sees the others' results. */
    private CompletableFuture<Void> lastCommand = CompletableFuture.completedFuture(null);

    Session(int id, String owner, SessionTable table, Path scratch, Map<String, String> env) {
        this.id = id;
        this.owner = owner;
        this.table = table;
        this.scratch = scratch;
        this.env = new LinkedHashMap<>(env);
    }

    public int id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    @Override
    public String path() {
        return "";
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public synchronized List<Leaf> leaves() {
        List<Leaf> out = new ArrayList<>();
        for (Subtask s : subtasks) {
            out.addAll(s.leaves());
        }
        return out;
    }

    /** The session's directory entries for its subtasks, by name, in order. */
    public synchronized Map<String, TaskView> children() {
        Map<String, TaskView> out = new LinkedHashMap<>();
        for (int i = 0; i < subtasks.size(); i++) {
            out.put(Integer.toString(i), subtasks.get(i).view());
        }
        return out;
    }

    public synchronized List<Subtask> subtasks() {
        return List.copyOf(subtasks);
    }

    public OutputMode output() {
        return output;
    }

    public InputMode input() {
        return input;
    }

    public synchronized boolean isReleased() {
        return released;
    }

    Path scratch() {
        return scratch;
    }

    /** Makes a leaf of this session (the pool calls this while reserving). */
    public Leaf newLeaf(Member member, String remoteDir, String path) {
        return new Leaf(member, remoteDir, path, scratch.resolve(path.replace('/', '_')));
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
            release = refs == 0 && killOnClose && !released;
        }
        if (release) {
            table.release(this);
        }
    }

    synchronized boolean isIdleSince(long nanos) {
        if (refs > 0 || touched >= nanos) {
            return false;
        }
        for (Leaf l : leaves()) {
            if (l.isRunning()) {
                return false;
            }
        }
        return true;
    }

    private synchronized void touch() {
        touched = System.nanoTime();
    }

    // ------------------------------------------------------------------ ctl

    /** Applies one session ctl command (DESIGN §3.3); completes once it has taken effect everywhere. */
    public CompletableFuture<Void> control(CtlRequest c) {
        synchronized (this) {
            if (released) {
                throw new StyxException("session " + id + " has been released");
            }
        }
        touch();
        switch (c.verb()) {
            case "res":
                c.arity(1, 3);
                int n = c.intArg(0, "count");
                if (n < 1) {
                    throw new StyxException("res: asked for 0 tasks; ask for 1 or more");
                }
                return serially(() -> reserve(n, c.args().size() > 1 ? c.arg(1) : "*",
                        c.args().size() > 2 ? c.arg(2) : "*"));
            case "exec":
                if (c.args().isEmpty()) {
                    throw c.wrongArgs();
                }
                return serially(() -> exec(c.text()));
            case "kill":
                c.arity(0, 1);
                int sig = c.args().isEmpty() ? Signals.SIGTERM : Signals.parse(c.arg(0));
                return forward("kill " + sig, true);
            case "killonclose":
                // Releasing the session kills its tasks on the members: nothing to forward.
                c.arity(0, 0);
                synchronized (this) {
                    killOnClose = true;
                }
                return done();
            case "dir":
                c.arity(1, 1);
                return forward("dir " + PlanNineQuoting.quote(c.arg(0)), false);
            case "nice":
                c.arity(0, 1);
                return forward(c.args().isEmpty() ? "nice" : "nice " + c.intArg(0, "niceness"), false);
            case "eof":
                c.arity(0, 0);
                return forward("eof", false);
            case "output":
                c.arity(1, 1);
                output = mode(OutputMode.class, c);
                return done();
            case "input":
                c.arity(1, 1);
                input = mode(InputMode.class, c);
                return done();
            case "splice":
                c.arity(1, 1);
                table.splice(this, c.arg(0), this);
                return done();
            case "xsplice":
                c.arity(2, 2);
                table.splice(this, id + "/" + view(c.arg(0)).path() + "/stdout", view(c.arg(1)));
                return done();
            case "release":
                c.arity(0, 0);
                // Answered once the members have freed the tasks, so their slots can be taken at once.
                return serially(() -> table.release(this));
            default:
                throw c.unknown();
        }
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

    /** A task directory of this session by its path, e.g. {@code 2} or {@code 1/0}. */
    public TaskView view(String path) {
        TaskView at = this;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            Map<String, TaskView> kids = at == this ? children()
                    : at instanceof Group g ? g.children() : Map.of();
            at = kids.get(part);
            if (at == null) {
                throw new StyxException("no task " + path + " in session " + id);
            }
        }
        return at;
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> serially(java.util.function.Supplier<CompletableFuture<Void>> step) {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = lastCommand.handle((v, e) -> null).thenCompose(x -> step.get());
            lastCommand = next;
        }
        return next;
    }

    private CompletableFuture<Void> reserve(int n, String os, String arch) {
        int first;
        synchronized (this) {
            first = subtasks.size();
        }
        return table.pool().reserve(this, first, n, os, arch).thenAccept(added -> {
            synchronized (this) {
                if (released) {
                    added.forEach(Subtask::release);
                    throw new StyxException("session " + id + " has been released");
                }
                subtasks.addAll(added);
            }
        });
    }

    /**
     * Sends the environment and arguments of every leaf, then the exec to every subtask at once.
     * If any subtask fails to start, the others are killed: nothing is left half-started.
     */
    private CompletableFuture<Void> exec(String command) {
        CompletableFuture<Void> reserved;
        synchronized (this) {
            reserved = subtasks.isEmpty() ? reserve(1, "*", "*") : done();
        }
        return reserved.thenCompose(x -> {
            refuseIfRunning(leaves());
            return prepareLeaves(leaves());
        }).thenCompose(x -> {
            List<Subtask> subs = subtasks();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (Subtask s : subs) {
                sent.add(s.control(command));
            }
            return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
                String firstError = null;
                for (int i = 0; i < subs.size(); i++) {
                    CompletableFuture<Void> f = sent.get(i);
                    boolean ok = !f.isCompletedExceptionally();
                    if (!ok && firstError == null) {
                        firstError = "task " + i + ": " + Failures.text(f.handle((a, b) -> b).join());
                    }
                    for (Leaf l : subs.get(i).leaves()) {
                        // A mounted coordinator that failed has already ended its leaves' runs.
                        l.beginRun(ok || !subs.get(i).view().isLeaf(), command);
                    }
                }
                if (firstError == null) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                // The error is answered only once the tasks that did start have been killed, so
                // whoever reads it finds nothing of the failed exec running.
                List<CompletableFuture<Void>> kills = new ArrayList<>();
                for (int i = 0; i < subs.size(); i++) {
                    if (!sent.get(i).isCompletedExceptionally()) {
                        kills.add(subs.get(i).control("kill 9").handle((a, b) -> null));
                    }
                }
                String error = firstError;
                return CompletableFuture.allOf(kills.toArray(new CompletableFuture<?>[0])).<Void>thenApply(killed -> {
                    throw new StyxException(error);
                });
            }).thenCompose(f -> f);
        });
    }

    /**
     * A ctl command written in a subtask's directory: it goes to that task alone (through the
     * member), and an exec there starts a new run of its leaves here too.
     */
    public CompletableFuture<Void> controlView(TaskView view, CtlRequest c) {
        synchronized (this) {
            if (released) {
                throw new StyxException("session " + id + " has been released");
            }
        }
        touch();
        Leaf first = view.leaves().get(0);
        String ctl = view instanceof Group g ? g.remoteDir() + "/ctl" : first.remote("ctl");
        if (!c.verb().equals("exec")) {
            return first.member().write(ctl, c.text());
        }
        return serially(() -> refuseIfRunning(view.leaves()).thenCompose(y -> prepareLeaves(view.leaves()))
                .thenCompose(x -> first.member().write(ctl, c.text())
                .whenComplete((v, e) -> {
                    for (Leaf l : view.leaves()) {
                        l.beginRun(e == null || !view.isLeaf(), c.text());
                    }
                })));
    }

    /**
     * devcmd's answer to an exec while a task still runs, given before anything is sent: the
     * tasks that are free must not start (all or nothing), nor the running ones' runs be replaced.
     */
    private static CompletableFuture<Void> refuseIfRunning(List<Leaf> which) {
        for (Leaf l : which) {
            if (l.isRunning()) {
                throw new StyxException("device or object already in use");
            }
        }
        return done();
    }

    /** Writes the environment (with the TASKFS_* variables) and pending arguments of some leaves. */
    private CompletableFuture<Void> prepareLeaves(List<Leaf> which) {
        List<Leaf> all = leaves();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Leaf l : which) {
            int i = all.indexOf(l);
            Map<String, String> vars = new LinkedHashMap<>();
            vars.put("TASKFS_ADDR", table.address());
            vars.put("TASKFS_SESSION", "/" + id);
            vars.put("TASKFS_TASK", "/" + id + "/" + l.path());
            vars.put("TASKFS_INDEX", Integer.toString(i));
            vars.put("TASKFS_SIZE", Integer.toString(all.size()));
            List<String> args;
            synchronized (this) {
                vars.putAll(env);
                vars.putAll(leafEnv.getOrDefault(l, Map.of()));
                args = leafArgs.remove(l);
            }
            writes.add(l.member().write(l.remote("env"), EnvLines.format(vars)));
            if (args != null && !args.isEmpty()) {
                writes.add(l.member().write(l.remote("args"), String.join("\n", args) + "\n"));
            }
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * Sends a verb to every subtask at once. With {@code needsRunning}, subtasks that answer
     * "not started" are fine as long as one accepted it.
     */
    private CompletableFuture<Void> forward(String command, boolean needsRunning) {
        List<Subtask> all = subtasks();
        if (all.isEmpty()) {
            String verb = command.split(" ")[0];
            throw new StyxException(verb + ": no tasks reserved; write \"res N\" first");
        }
        // A task whose node is lost can take nothing; the others must still be reachable (kill).
        List<Subtask> subs = new ArrayList<>();
        for (Subtask s : all) {
            if (!s.leaves().stream().allMatch(Leaf::isLost)) {
                subs.add(s);
            }
        }
        if (subs.isEmpty()) {
            throw new StyxException(needsRunning ? "not started" : "every task of session " + id + " is lost");
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (Subtask s : subs) {
            sent.add(s.control(command));
        }
        return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
            String firstError = null;
            int accepted = 0;
            for (int i = 0; i < subs.size(); i++) {
                CompletableFuture<Void> f = sent.get(i);
                if (!f.isCompletedExceptionally()) {
                    accepted++;
                    continue;
                }
                String text = Failures.text(f.handle((a, b) -> b).join());
                if (needsRunning && text.equals("not started")) {
                    continue;
                }
                if (firstError == null) {
                    firstError = "task " + subs.get(i).view().path() + ": " + text;
                }
            }
            if (firstError != null) {
                throw new StyxException(firstError);
            }
            if (needsRunning && accepted == 0) {
                throw new StyxException("not started");
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ files

    public synchronized String env() {
        return EnvLines.format(env);
    }

    public synchronized void addEnv(String text) {
        EnvLines.parseInto(text, env);
    }

    /** A leaf's own env file: variables for that task alone, sent at exec. */
    public synchronized String leafEnv(Leaf l) {
        return EnvLines.format(leafEnv.getOrDefault(l, Map.of()));
    }

    public synchronized void addLeafEnv(Leaf l, String text) {
        EnvLines.parseInto(text, leafEnv.computeIfAbsent(l, k -> new LinkedHashMap<>()));
    }

    /** Line i of a write goes to the i-th leaf of {@code view}. */
    public synchronized void addArgs(TaskView view, String text) {
        List<Leaf> ls = view.leaves();
        String[] lines = text.split("\n");
        if (lines.length > ls.size()) {
            throw new StyxException("args: " + lines.length + " lines for " + ls.size() + " tasks");
        }
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                leafArgs.computeIfAbsent(ls.get(i), k -> new ArrayList<>()).add(lines[i]);
            }
        }
    }

    /** Per task, its pending argument lines joined, one line per task. */
    public synchronized String args(TaskView view) {
        StringBuilder b = new StringBuilder();
        for (Leaf l : view.leaves()) {
            b.append(String.join(" ", leafArgs.getOrDefault(l, List.of()))).append('\n');
        }
        return b.toString();
    }

    /** The binding table: {@code bind MEMBER!DIR PATH} per leaf, paths relative to {@code view}. */
    public String ns(TaskView view) {
        StringBuilder b = new StringBuilder();
        for (Leaf l : view.leaves()) {
            b.append("bind ").append(l.member().address()).append('!').append(l.remoteDir()).append(' ')
                    .append(relative(view, l)).append('\n');
        }
        return b.toString();
    }

    /** A leaf's path seen from {@code view}: what wait and tagged lines and ns show. */
    public static String relative(TaskView view, Leaf l) {
        String base = view.path();
        if (base.isEmpty()) {
            return l.path();
        }
        return l.path().equals(base) ? "." : l.path().substring(base.length() + 1);
    }

    /** One status line per leaf, in task order. */
    public CompletableFuture<String> status(TaskView view) {
        List<Leaf> ls = view.leaves();
        List<CompletableFuture<String>> lines = new ArrayList<>();
        for (Leaf l : ls) {
            lines.add(l.status());
        }
        return CompletableFuture.allOf(lines.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            StringBuilder b = new StringBuilder();
            for (CompletableFuture<String> f : lines) {
                b.append(f.join());
            }
            return b.toString();
        });
    }

    /** Writes to the stdin of one leaf (the spreading writers call this). */
    CompletableFuture<Integer> writeStdin(Leaf l, byte[] data) {
        touch();
        return l.writeStdin(data);
    }

    /** Ends the session: kills what runs, frees every subtask. Called by the table. */
    CompletableFuture<Void> releaseNow() {
        List<Subtask> subs;
        synchronized (this) {
            if (released) {
                return done();
            }
            released = true;
            subs = List.copyOf(subtasks);
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Subtask s : subs) {
            all.add(s.release());
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /** Text read from the session's ctl (and the clone fid): the session number, no newline. */
    public byte[] number() {
        return Integer.toString(id).getBytes(StandardCharsets.UTF_8);
    }
}
