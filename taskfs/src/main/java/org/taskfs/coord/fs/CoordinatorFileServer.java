package org.taskfs.coord.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.taskfs.coord.pool.Pool;
import org.taskfs.coord.session.GatherReader;
import org.taskfs.coord.session.Group;
import org.taskfs.coord.session.Leaf;
import org.taskfs.coord.session.Session;
import org.taskfs.coord.session.SessionTable;
import org.taskfs.coord.session.SpreadWriter;
import org.taskfs.coord.session.TaskView;
import org.taskfs.coord.session.WaitReader;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Files9;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.SyntheticFile;
import org.taskfs.styx.server.SyntheticNode;
import org.taskfs.styx.server.TextHandle;
import org.taskfs.task.CtlRequest;
import org.taskfs.task.EnvFile;
import org.taskfs.task.EnvLines;
import org.taskfs.task.HostInfo;
import org.taskfs.task.TaskFile;
import org.taskfs.task.TaskRoot;

/**
 * The tree a coordinator serves (DESIGN §3): a root with {@code clone ctl arch status ns env} and
 * the sessions; in each session its subtasks first, then the task files, which gather over and
 * spread to the session's leaves; the same files in every subtask directory, at any depth.
 */
public final class CoordinatorFileServer implements FileServer {
    /** Root files belong to the user running the server: that user administers it (writes root ctl, env). */
    private static final String ADMIN = System.getProperty("user.name", "taskfs");

    private final SessionTable table;
    private final Pool pool;
    private final Root root = new Root();
    private final Map<String, Long> paths = new ConcurrentHashMap<>();
    private final AtomicLong nextPath = new AtomicLong(64);

    public CoordinatorFileServer(SessionTable table, Pool pool) {
        this.table = table;
        this.pool = pool;
        table.localFiles(this::openForSplice);
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        return CompletableFuture.completedFuture(root);
    }

    private static SyntheticFile rootFile(long path, String name, int perm, BiFunction<Node, Caller, OpenFile> opener) {
        return new SyntheticFile(path, name, perm, () -> ADMIN, opener);
    }

    /** Stable, never reused qid paths for the generated files, keyed by their place in the tree. */
    private long path(String key) {
        return paths.computeIfAbsent(key, k -> nextPath.getAndIncrement());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ root

    private final class Root extends TaskRoot {
        private final List<SyntheticNode> files = List.of(
                rootFile(1, "clone", 0666, (n, caller) -> {
                    Session s = table.create(caller.user());
                    return new CtlHandle(new FileNode(s, s, TaskFile.CTL), s, s);
                }),
                rootFile(2, "ctl", 0664, (n, caller) -> new PoolCtlHandle(n)),
                rootFile(3, "arch", 0444, (n, caller) -> new TextHandle(n, () -> HostInfo.LOCAL + "\n")),
                rootFile(4, "status", 0444, (n, caller) -> new TextHandle(n, pool::census)),
                rootFile(5, "ns", 0444, (n, caller) -> new TextHandle(n, pool::ns)),
                rootFile(6, "env", 0666, (n, caller) -> new EnvFile(n, table::defaultEnv, table::defaultEnv)));

        Root() {
            super(() -> ADMIN);
        }

        @Override
        protected List<SyntheticNode> files() {
            return files;
        }

        @Override
        protected SyntheticNode numbered(int n) {
            Session s = table.get(n);
            return s == null ? null : new ViewDir(s, s, Integer.toString(n));
        }

        @Override
        protected List<SyntheticNode> numberedEntries() {
            List<SyntheticNode> out = new ArrayList<>();
            for (Session s : table.sessions()) {
                out.add(new ViewDir(s, s, Integer.toString(s.id())));
            }
            return out;
        }
    }

    /** Root ctl: the pool's settings; {@code mount ADDR [NAME] [slots=K]}, {@code unmount NAME}, {@code drain NAME}. */
    private final class PoolCtlHandle extends TextHandle {
        PoolCtlHandle(Node node) {
            super(node, () -> "heartbeat " + pool.settings().heartbeat().toMillis() + "ms\n"
                    + "timeout " + pool.settings().requestTimeout().toMillis() + "ms\n"
                    + "members " + pool.members().size() + "\n");
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            CtlRequest c = CtlRequest.parse(data);
            switch (c.verb()) {
                case "mount": {
                    c.arity(1, 3);
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
                    return pool.mount(at, name, slots).thenApply(m -> data.length);
                }
                case "unmount":
                    c.arity(1, 1);
                    pool.unmount(c.arg(0));
                    return CompletableFuture.completedFuture(data.length);
                case "drain":
                    c.arity(1, 1);
                    pool.drain(c.arg(0));
                    return CompletableFuture.completedFuture(data.length);
                default:
                    throw c.unknown();
            }
        }
    }

    // ------------------------------------------------------------------ session tree

    /** The session directory, or a subtask's directory at any depth. */
    private final class ViewDir extends SyntheticNode {
        private final Session session;
        private final TaskView view;

        ViewDir(Session session, TaskView view, String name) {
            super(Qid.directory(path(session.id() + "/" + view.path() + "/")), name, 0555, session::owner);
            this.session = session;
            this.view = view;
        }

        private Map<String, TaskView> children() {
            if (view == session) {
                return session.children();
            }
            return view instanceof Group g ? g.children() : Map.of();
        }

        @Override
        public CompletableFuture<Node> walk(String name, Caller caller) {
            if (session.isReleased()) {
                return StyxException.failed(Errors.NOT_FOUND);
            }
            TaskView child = children().get(name);
            if (child != null) {
                return CompletableFuture.completedFuture(new ViewDir(session, child, name));
            }
            TaskFile f = TaskFile.named(name);
            return f == null ? StyxException.failed(Errors.NOT_FOUND)
                    : CompletableFuture.completedFuture(new FileNode(session, view, f));
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            List<Dir> out = new ArrayList<>();
            children().forEach((name, child) -> out.add(new ViewDir(session, child, name).dir()));
            for (TaskFile f : TaskFile.values()) {
                out.add(new FileNode(session, view, f).dir());
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    private final class FileNode extends SyntheticNode {
        private final Session session;
        private final TaskView view;
        private final TaskFile kind;

        FileNode(Session session, TaskView view, TaskFile kind) {
            super(Qid.file(path(session.id() + "/" + view.path() + "/" + kind.fileName())), kind.fileName(),
                    kind.mode(), session::owner);
            this.session = session;
            this.view = view;
            this.kind = kind;
        }

        @Override
        public CompletableFuture<OpenFile> open(int mode, Caller caller) {
            if (session.isReleased()) {
                return StyxException.failed("session " + session.id() + " has been released");
            }
            boolean writes = (mode & 3) == P9.OWRITE || (mode & 3) == P9.ORDWR;
            OpenFile h;
            switch (kind) {
                case CTL:
                    h = new CtlHandle(this, session, view);
                    break;
                case STDIO:
                    h = new DataHandle(this, session, view, false, writes);
                    break;
                case STDIN:
                    h = new DataHandle(this, session, view, false, true);
                    break;
                case STDOUT:
                    h = new DataHandle(this, session, view, false, false);
                    break;
                case STDERR:
                    h = new DataHandle(this, session, view, true, false);
                    break;
                case STATUS:
                    h = new AsyncTextHandle(this, () -> session.status(view));
                    break;
                case WAIT:
                    h = new WaitHandle(this, session, view);
                    break;
                case ARGS:
                    h = new TextHandle(this, () -> session.args(view)) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            session.addArgs(view, EnvLines.text(data));
                            return CompletableFuture.completedFuture(data.length);
                        }
                    };
                    break;
                case ENV:
                    h = new TextHandle(this, () -> view instanceof Leaf l ? session.leafEnv(l) : session.env()) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            String text = EnvLines.text(data);
                            if (view == session) {
                                session.addEnv(text);
                            } else {
                                for (Leaf l : view.leaves()) {
                                    session.addLeafEnv(l, text);
                                }
                            }
                            return CompletableFuture.completedFuture(data.length);
                        }
                    };
                    break;
                case NS:
                    h = new TextHandle(this, () -> session.ns(view)) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            throw new StyxException("ns: rebinding tasks is not supported yet");
                        }
                    };
                    break;
                default:
                    throw new AssertionError(kind);
            }
            return CompletableFuture.completedFuture(h);
        }
    }

    /** Handles that keep the session alive while open (and let killonclose fire when the last goes). */
    private abstract static class SessionHandle implements OpenFile {
        private final Node node;
        final Session session;
        private boolean clunked;

        SessionHandle(Node node, Session session) {
            this.node = node;
            this.session = session;
            session.ref();
        }

        @Override
        public Node node() {
            return node;
        }

        @Override
        public void clunk() {
            synchronized (this) {
                if (clunked) {
                    return;
                }
                clunked = true;
            }
            closed();
            session.unref();
        }

        void closed() {}
    }

    /** ctl (and an opened clone): the session number; writes are ctl commands. */
    private static final class CtlHandle extends SessionHandle {
        private final TaskView view;

        CtlHandle(Node node, Session session, TaskView view) {
            super(node, session);
            this.view = view;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            String text = view == session ? Integer.toString(session.id()) : view.path();
            return CompletableFuture.completedFuture(Files9.slice(utf8(text), offset, count));
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            CtlRequest c = CtlRequest.parse(data);
            CompletableFuture<Void> done = view == session ? session.control(c) : session.controlView(view, c);
            return done.thenApply(x -> data.length);
        }
    }

    /** stdout, stderr, stdin and stdio: gathered reads and spread writes over the view's leaves. */
    private static final class DataHandle extends SessionHandle {
        private final TaskView view;
        private final boolean stderr;
        private GatherReader reader;
        private final SpreadWriter writer;

        DataHandle(Node node, Session session, TaskView view, boolean stderr, boolean writes) {
            super(node, session);
            this.view = view;
            this.stderr = stderr;
            this.writer = writes ? new SpreadWriter(session, view) : null;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            GatherReader r;
            synchronized (this) {
                if (reader == null) {
                    reader = new GatherReader(session, view, stderr);
                }
                r = reader;
            }
            return r.read(offset, count);
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            return writer.write(data);
        }

        @Override
        void closed() {
            GatherReader r;
            synchronized (this) {
                r = reader;
            }
            if (r != null) {
                r.close();
            }
            if (writer != null) {
                writer.close();
            }
        }
    }

    private static final class WaitHandle extends SessionHandle {
        private final WaitReader reader;

        WaitHandle(Node node, Session session, TaskView view) {
            super(node, session);
            this.reader = new WaitReader(view);
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            return reader.read(offset, count);
        }
    }

    /** A generated text whose making takes requests to members (status): snapshot at offset 0. */
    private static final class AsyncTextHandle implements OpenFile {
        private final Node node;
        private final Supplier<CompletableFuture<String>> text;
        private CompletableFuture<byte[]> snapshot;

        AsyncTextHandle(Node node, Supplier<CompletableFuture<String>> text) {
            this.node = node;
            this.text = text;
        }

        @Override
        public Node node() {
            return node;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            CompletableFuture<byte[]> s;
            synchronized (this) {
                if (offset == 0 || snapshot == null) {
                    snapshot = text.get().thenApply(CoordinatorFileServer::utf8);
                }
                s = snapshot;
            }
            return s.thenApply(b -> Files9.slice(b, offset, count));
        }
    }

    // ------------------------------------------------------------------ splice

    /** Opens a path of this tree for reading on behalf of a session's owner (splice, xsplice). */
    private CompletableFuture<OpenFile> openForSplice(Session s, String path) {
        Caller caller = new Caller(s.owner(), "", null);
        CompletableFuture<Node> at = CompletableFuture.completedFuture(root);
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                return StyxException.failed("splice: \"..\" is not allowed in " + path);
            }
            at = at.thenCompose(n -> n.walk(part, caller));
        }
        return at.thenCompose(n -> {
            if (n.isDirectory()) {
                throw new StyxException("splice: " + path + " is a directory");
            }
            return n.open(P9.OREAD, caller);
        });
    }
}
