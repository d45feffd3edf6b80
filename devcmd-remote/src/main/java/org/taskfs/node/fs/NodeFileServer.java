package org.taskfs.node.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.BiFunction;
import org.taskfs.node.exec.OutputLog;
import org.taskfs.node.task.Task;
import org.taskfs.node.task.TaskTable;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Files9;
import org.taskfs.styx.server.Futures;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.SyntheticFile;
import org.taskfs.styx.server.SyntheticNode;
import org.taskfs.styx.server.TextHandle;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.EnvFile;
import org.taskfs.task.EnvLines;
import org.taskfs.task.TaskFile;
import org.taskfs.task.TaskRoot;

/**
 * The tree a node daemon serves: a root with {@code clone ctl arch status ns env} and one
 * directory per task with the files of {@link TaskFile}, each backed by a real process.
 */
public final class NodeFileServer implements FileServer {
    /** Root files belong to the user running the server: that user administers it (writes root ctl, env). */
    private static final String ADMIN = System.getProperty("user.name", "taskfs");

    private final TaskTable table;
    private final Root root = new Root();

    public NodeFileServer(TaskTable table) {
        this.table = table;
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        return CompletableFuture.completedFuture(root);
    }

    private static SyntheticFile rootFile(long path, String name, int perm, BiFunction<Node, Caller, OpenFile> opener) {
        return new SyntheticFile(path, name, perm, () -> ADMIN, opener);
    }

    private static long taskPath(int id, int code) {
        return ((id + 1L) << 8) | code;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ root

    private final class Root extends TaskRoot {
        private final List<SyntheticNode> files = List.of(
                // Opening clone makes a task; the open fid then is that task's ctl (devcmd).
                rootFile(1, "clone", 0666, (n, caller) -> {
                    Task t = table.allocate(caller.user());
                    return new CtlHandle(new TaskFileNode(t, TaskFile.CTL), t);
                }),
                rootFile(2, "ctl", 0664, (n, caller) -> new SettingsHandle(n)),
                rootFile(3, "arch", 0444, (n, caller) -> new TextHandle(n, () -> table.host() + "\n")),
                rootFile(4, "status", 0444, (n, caller) -> new TextHandle(n,
                        () -> table.slots() + " " + table.host() + "\n")),
                rootFile(5, "ns", 0444, (n, caller) -> new TextHandle(n,
                        () -> "local slots=" + table.slots() + " busy=" + table.busy() + "\n")),
                rootFile(6, "env", 0666, (n, caller) -> new EnvFile(n, () -> EnvLines.format(table.rootEnv()), table::rootEnv)));

        Root() {
            super(() -> ADMIN);
        }

        @Override
        protected List<SyntheticNode> files() {
            return files;
        }

        @Override
        protected SyntheticNode numbered(int n) {
            Task t = table.get(n);
            return t == null ? null : new TaskDir(t);
        }

        @Override
        protected List<SyntheticNode> numberedEntries() {
            List<SyntheticNode> out = new ArrayList<>();
            for (Task t : table.tasks()) {
                out.add(new TaskDir(t));
            }
            return out;
        }
    }

    /** Root ctl: the node's settings; {@code slots N} changes what it offers to coordinators. */
    private final class SettingsHandle extends TextHandle {
        SettingsHandle(Node node) {
            super(node, () -> "slots " + table.slots() + "\n");
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            CtlRequest c = CtlRequest.parse(data);
            if (!c.verb().equals("slots")) {
                throw c.unknown();
            }
            c.arity(1, 1);
            int n = c.intArg(0, "slot count");
            if (n < 1) {
                throw new StyxException("slots: at least 1 slot is needed");
            }
            table.slots(n);
            return CompletableFuture.completedFuture(data.length);
        }
    }

    // ------------------------------------------------------------------ task directories

    private final class TaskDir extends SyntheticNode {
        private final Task task;

        TaskDir(Task task) {
            super(Qid.directory(taskPath(task.id(), 0)), Integer.toString(task.id()), 0555, task::owner);
            this.task = task;
        }

        @Override
        public CompletableFuture<Node> walk(String name, Caller caller) {
            TaskFile f = TaskFile.named(name);
            if (f == null || task.isReleased()) {
                return StyxException.failed(Errors.NOT_FOUND);
            }
            return CompletableFuture.completedFuture(new TaskFileNode(task, f));
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            List<Dir> out = new ArrayList<>();
            for (TaskFile f : TaskFile.values()) {
                out.add(new TaskFileNode(task, f).dir());
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    private final class TaskFileNode extends SyntheticNode {
        private final Task task;
        private final TaskFile kind;

        TaskFileNode(Task task, TaskFile kind) {
            super(Qid.file(taskPath(task.id(), kind.code())), kind.fileName(), kind.mode(), task::owner);
            this.task = task;
            this.kind = kind;
        }

        @Override
        public CompletableFuture<OpenFile> open(int mode, Caller caller) {
            if (task.isReleased()) {
                return StyxException.failed("task " + task.id() + " has been released");
            }
            boolean writes = (mode & 3) == P9.OWRITE || (mode & 3) == P9.ORDWR;
            OpenFile h;
            switch (kind) {
                case CTL:
                    h = new CtlHandle(this, task);
                    break;
                case STDIO:
                    h = new StdioHandle(this, task, writes);
                    break;
                case STDIN:
                    h = new StdioHandle(this, task, true);
                    break;
                case STDOUT:
                    h = new LogHandle(this, task, Task.Run::stdout);
                    break;
                case STDERR:
                    h = new LogHandle(this, task, Task.Run::stderr);
                    break;
                case STATUS:
                    h = new TextHandle(this, task::statusLine);
                    break;
                case WAIT:
                    h = new WaitHandle(this, task);
                    break;
                case ARGS:
                    h = new TextHandle(this, task::args) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            task.addArgs(EnvLines.text(data));
                            return CompletableFuture.completedFuture(data.length);
                        }
                    };
                    break;
                case ENV:
                    h = new TextHandle(this, task::env) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            task.addEnv(EnvLines.text(data));
                            return CompletableFuture.completedFuture(data.length);
                        }
                    };
                    break;
                case NS:
                    h = new TextHandle(this, () -> "bind " + table.address() + "!/" + task.id() + " /" + task.id()
                            + "\n");
                    break;
                default:
                    throw new AssertionError(kind);
            }
            return CompletableFuture.completedFuture(h);
        }
    }

    /** Handles that count as devcmd's "inuse" references to the task. */
    private abstract static class RefHandle implements OpenFile {
        final Node node;
        final Task task;
        private final boolean writesStdin;
        private boolean clunked;

        RefHandle(Node node, Task task, boolean writesStdin) {
            this.node = node;
            this.task = task;
            this.writesStdin = writesStdin;
            task.ref(writesStdin);
        }

        @Override
        public Node node() {
            return node;
        }

        @Override
        public synchronized void clunk() {
            if (!clunked) {
                clunked = true;
                task.unref(writesStdin);
            }
        }
    }

    /** ctl (and an opened clone): reads the task number, no newline; writes are commands. */
    private static final class CtlHandle extends RefHandle {
        CtlHandle(Node node, Task task) {
            super(node, task, false);
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            return CompletableFuture.completedFuture(Files9.slice(utf8(Integer.toString(task.id())), offset, count));
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            return task.control(CtlRequest.parse(data)).thenApply(x -> data.length);
        }
    }

    /** stdout or stderr: the run's log at the reader's own offset; waits for the first exec. */
    private static class LogHandle extends RefHandle {
        private final Function<Task.Run, OutputLog> which;
        private CompletableFuture<Task.Run> run;

        LogHandle(Node node, Task task, Function<Task.Run, OutputLog> which) {
            this(node, task, which, false);
        }

        LogHandle(Node node, Task task, Function<Task.Run, OutputLog> which, boolean writesStdin) {
            super(node, task, writesStdin);
            this.which = which;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            CompletableFuture<Task.Run> r;
            synchronized (this) {
                if (run == null) {
                    run = task.currentOrNextRun();
                }
                r = run;
            }
            if (r.isDone() && !r.isCompletedExceptionally()) {
                Task.Run now = r.join();
                return now == null ? CompletableFuture.completedFuture(new byte[0])
                        : Futures.linked(which.apply(now).read(offset, count));
            }
            // r is the task's shared "next run" future: a flush must not cancel it for everyone.
            CompletableFuture<byte[]> out = new CompletableFuture<>();
            r.whenComplete((run, e) -> {
                if (out.isDone()) {
                    return;
                }
                if (e != null) {
                    out.completeExceptionally(e);
                    return;
                }
                if (run == null) { // the exec failed: nothing ran, nothing to read
                    out.complete(new byte[0]);
                    return;
                }
                CompletableFuture<byte[]> read = which.apply(run).read(offset, count);
                Futures.cancelsInner(out, read);
                read.whenComplete((b, e2) -> {
                    if (e2 != null) {
                        out.completeExceptionally(e2);
                    } else {
                        out.complete(b);
                    }
                });
            });
            return out;
        }
    }

    /** stdio reads stdout and writes stdin; stdin only writes. */
    private static final class StdioHandle extends LogHandle {
        StdioHandle(Node node, Task task, boolean writes) {
            super(node, task, Task.Run::stdout, writes);
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            return task.writeStdin(data);
        }
    }

    /** wait: blocks until the run ends, then its one line. */
    private static final class WaitHandle extends RefHandle {
        private CompletableFuture<String> line;

        WaitHandle(Node node, Task task) {
            super(node, task, false);
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            CompletableFuture<String> l;
            synchronized (this) {
                if (line == null) {
                    line = task.waitLine();
                }
                l = line;
            }
            return Futures.linked(l.thenApply(s -> Files9.slice(utf8(s + "\n"), offset, count)));
        }
    }
}
