package org.taskfs.node.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.taskfs.node.exec.SpawnSpec;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.PlanNineQuoting;
import org.taskfs.styx.util.Futures;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.Identity;
import org.taskfs.task.WorkDir;
import org.taskfs.task.Part;
import org.taskfs.task.Session;
import org.taskfs.task.Signals;

/**
 * A session's tasks on this node: local processes. It reads the session's settings at exec, so nothing needs
 * mirroring.
 */
final class LocalPart implements Part {
    private final NodeTasks node;
    private final Session session;
    private final List<LocalTask> tasks;

    LocalPart(NodeTasks node, Session session, List<LocalTask> tasks) {
        this.node = node;
        this.session = session;
        this.tasks = List.copyOf(tasks);
    }

    @Override
    public List<LocalTask> tasks() {
        return tasks;
    }

    @Override
    public String binding(int i) {
        return node.address() + "!/" + session.id() + "/" + (session.firstOf(this) + i);
    }

    @Override
    public String where() {
        return "local";
    }

    private List<Integer> which(int task) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            if (task < 0 || i == task) {
                out.add(i);
            }
        }
        return out;
    }

    @Override
    public CompletableFuture<Void> command(CtlRequest c, int task) {
        switch (c.verb()) {
            case "exec":
                return exec(c, which(task));
            case "kill": {
                int sig = c.args().isEmpty() ? Signals.SIGTERM : Signals.parse(c.arg(0));
                boolean any = false;
                for (int i : which(task)) {
                    any |= tasks.get(i).signal(sig);
                }
                if (!any) {
                    throw new StyxException(CtlRequest.NOT_STARTED);
                }
                return CompletableFuture.completedFuture(null);
            }
            case "eof":
                which(task).forEach(i -> tasks.get(i).eof());
                return CompletableFuture.completedFuture(null);
            default:
                throw c.unknown();
        }
    }

    /** Starts every task's process at once; if one cannot start, the others are killed and the error names it. */
    private CompletableFuture<Void> exec(CtlRequest c, List<Integer> which) {
        // The first exec through a coordinator this node mounts for its tasks waits for the mount (TASKFS_MNT).
        CompletableFuture<Void> ready = node.siblings().ready(session.identity(), node.address());
        return ready.isDone() ? start(c, which) : ready.thenCompose(v -> start(c, which));
    }

    private CompletableFuture<Void> start(CtlRequest c, List<Integer> which) {
        int first = session.firstOf(this);
        Identity names = session.identity();
        Map<String, String> base = new LinkedHashMap<>(SpawnSpec.inheritedEnvironment());
        Map<String, String> sessionEnv = session.env();
        WorkDir dir = session.workDir();
        int nice = session.nice();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (int i : which) {
            int number = first + i;
            List<String> argv = new ArrayList<>(c.args());
            for (String line : session.takeArgs(number)) {
                argv.addAll(PlanNineQuoting.tokenize(line));
            }
            Map<String, String> vars = new LinkedHashMap<>(base);
            vars.putAll(names.variables(number));
            node.siblings().variables(names, session.owner(), vars);
            vars.putAll(sessionEnv);
            vars.putAll(session.taskEnv(number));
            node.siblings().path(vars);
            LocalTask t = tasks.get(i);
            CompletableFuture<Void> f;
            try {
                f = t.exec(run -> new SpawnSpec(argv, vars, null,
                        LocalTask.stdoutLog(run), LocalTask.stderrLog(run), nice), session.owner(), dir);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            started.add(f.handle((v, e) -> {
                if (e != null) {
                    throw new StyxException("task " + names.number(number) + ": " + Failures.text(e));
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).handle((v, e) -> {
            if (e == null) {
                return null;
            }
            for (int k = 0; k < which.size(); k++) {
                if (!started.get(k).isCompletedExceptionally()) {
                    tasks.get(which.get(k)).signal(9);
                }
            }
            for (CompletableFuture<Void> f : started) {
                if (f.isCompletedExceptionally()) {
                    throw new StyxException(Failures.text(Futures.failure(f).join()));
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<List<String>> status() {
        List<String> lines = new ArrayList<>();
        for (LocalTask t : tasks) {
            lines.add(t.statusLine(session.refs(), session.workDir()));
        }
        return CompletableFuture.completedFuture(lines);
    }

    @Override
    public CompletableFuture<Void> release() {
        node.release(tasks);
        return CompletableFuture.completedFuture(null);
    }
}
