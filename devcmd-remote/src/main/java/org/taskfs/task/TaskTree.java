package org.taskfs.task;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.ConnectionInfo;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.Files9;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.OpenFile;
import org.taskfs.styx.server.ProtocolRules;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.SyntheticFile;
import org.taskfs.styx.server.SyntheticNode;
import org.taskfs.styx.server.TextHandle;
import org.taskfs.styx.util.Failures;

/**
 * The tree every task server serves (DESIGN §3), a node daemon and a coordinator alike: a root with
 * {@code clone ctl arch status ns env sessions} and one directory per session; in a session its tasks
 * {@code 0..R-1}, then the files of {@link TaskFile}; the same files in every task directory. What differs
 * between servers is the {@link Backend}.
 */
public final class TaskTree implements FileServer, AutoCloseable {
    /** Root files belong to the user running the server, who administers it with root and --admin-group. */
    private static final String ADMIN = Accounts.SELF;

    private final Backend backend;
    private final Sessions sessions;
    private final String adminGroup;

    /** @param adminGroup whose members administer this server besides root and its own user; null for none */
    public TaskTree(Backend backend, Duration idleTimeout, String adminGroup) {
        this.backend = backend;
        this.adminGroup = adminGroup;
        this.sessions = new Sessions(backend, this::openForSplice, idleTimeout);
    }

    /**
     * Who walks the tree from one attach, and whether they administer it: an administrator sees every session
     * and may write root ctl and env; anyone else sees only their own sessions. Fixed at the attach, as the
     * user of a fid is.
     */
    private record View(String user, boolean admin) {
        boolean sees(Session s) {
            return admin || s.owner().equals(user);
        }
    }

    public Sessions sessions() {
        return sessions;
    }

    public Backend backend() {
        return backend;
    }

    @Override
    public CompletableFuture<Node> attach(Caller caller, OpenFile auth) {
        return view(caller.user()).thenApply(Root::new);
    }

    private CompletableFuture<View> view(String user) {
        return Accounts.isAdmin(user, adminGroup).thenApply(admin -> new View(user, admin));
    }

    /** Sessions held by the connection become orphans. */
    @Override
    public void disconnected(ConnectionInfo connection) {
        sessions.connectionClosed(connection.id());
    }

    /** The connection a caller speaks on; -1 for a caller the server made itself. */
    private static long connectionOf(Caller caller) {
        return caller.connection() != null ? caller.connection().id() : -1;
    }

    /** Releases every session, then stops the backend. */
    @Override
    public void close() {
        sessions.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Qid paths: root files 1..7; a session's and its tasks' directories and files by their numbers. */
    private static long qidPath(Session s, int task, int code) {
        return ((s.id() + 1L) << 28) | ((task + 1L) << 8) | code;
    }

    // ------------------------------------------------------------------ root

    /** A root file: readable as its mode says, written (ctl, env) by administrators alone. */
    private static SyntheticFile rootFile(View view, long path, String name, int perm,
                                          BiFunction<Node, Caller, OpenFile> opener) {
        return new SyntheticFile(path, name, perm, () -> ADMIN, opener) {
            @Override
            public boolean grants(Caller caller, int need) {
                return view.admin() && (need & ~(perm >> 6)) == 0;
            }
        };
    }

    /**
     * Opening clone makes a session; the open fid then is that session's ctl (devcmd). The open is answered once
     * the session is kept (SessionStore): a number a client was given is one a restart takes back.
     */
    private SyntheticFile cloneFile(View view) {
        BiFunction<Node, Caller, OpenFile> opener = (n, caller) -> {
            backend.checkOwner(caller.user());
            Session s = sessions.create(caller.user());
            return new CtlHandle(new FileNode(s, -1, TaskFile.CTL, view), s, -1, connectionOf(caller));
        };
        return new SyntheticFile(1, "clone", 0666, () -> ADMIN, opener) {
            @Override
            public boolean grants(Caller caller, int need) {
                return view.admin() && (need & ~(0666 >> 6)) == 0;
            }

            @Override
            public CompletableFuture<OpenFile> open(int mode, Caller caller) {
                OpenFile h = opener.apply(this, caller);
                Session s = ((CtlHandle) h).session;
                return sessions.store().saved(s).handle((v, e) -> {
                    if (e != null) {
                        sessions.release(s);
                        throw new StyxException("clone: the session could not be kept for a restart: "
                                + org.taskfs.styx.util.Failures.text(e));
                    }
                    return h;
                });
            }
        };
    }

    private final class Root extends SyntheticNode {
        private final View view;
        private final List<SyntheticNode> files;

        Root(View view) {
            super(Qid.directory(0), "/", 0555, () -> ADMIN);
            this.view = view;
            this.files = List.of(
                // Opening clone makes a session; the open fid then is that session's ctl (devcmd).
                cloneFile(view),
                rootFile(view, 2, "ctl", 0644, (n, caller) -> new TextHandle(n, backend::settings) {
                    @Override
                    public CompletableFuture<Integer> write(long offset, byte[] data) {
                        return backend.rootVerbs().dispatch(null, CtlRequest.parse(data)).thenApply(v -> data.length);
                    }
                }),
                rootFile(view, 3, "arch", 0444, (n, caller) -> new TextHandle(n, () -> backend.host() + "\n")),
                rootFile(view, 4, "status", 0444, (n, caller) -> new TextHandle(n, backend::census)),
                // The pool, then the reservations waiting for it, in the order they will be served.
                rootFile(view, 5, "ns", 0444,
                        (n, caller) -> new TextHandle(n, () -> backend.capacity() + sessions.queue().nsLines())),
                rootFile(view, 6, "env", 0644,
                        (n, caller) -> new EnvFile(n, sessions::defaultEnv, sessions::defaultEnv)),
                // The sessions this reader may list, as in the root listing: one read for taskfs ps.
                rootFile(view, 7, "sessions", 0444, (n, caller) -> new TextHandle(n, this::sessionLines)));
        }

        private String sessionLines() {
            StringBuilder b = new StringBuilder();
            for (Session s : sessions.sessions()) {
                if (view.sees(s)) {
                    b.append(s.info().line());
                }
            }
            return b.toString();
        }

        @Override
        public CompletableFuture<Node> walk(String name, Caller caller) {
            for (SyntheticNode f : files) {
                if (f.name().equals(name)) {
                    return CompletableFuture.completedFuture(f);
                }
            }
            int n = TaskFile.directoryNumber(name);
            Session s = n < 0 ? null : sessions.get(n);
            // Another user's session is not there at all for this caller, as in a listing.
            return s == null || !view.sees(s) ? StyxException.failed(Errors.NOT_FOUND)
                    : CompletableFuture.completedFuture(new TaskDir(s, -1, view));
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            List<Dir> out = new ArrayList<>();
            for (Session s : sessions.sessions()) {
                if (view.sees(s)) {
                    out.add(new TaskDir(s, -1, view).dir());
                }
            }
            for (SyntheticNode f : files) {
                out.add(f.dir());
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    // ------------------------------------------------------------------ session and task directories

    /** A session's directory ({@code task} -1) or one of its tasks': its owner's, and the administrators'. */
    private static final class TaskDir extends SyntheticNode {
        private final Session session;
        private final int task;
        private final View view;

        TaskDir(Session session, int task, View view) {
            super(Qid.directory(qidPath(session, task, 0)), task < 0 ? Integer.toString(session.id())
                    : Integer.toString(task), 0500, session::owner);
            this.session = session;
            this.task = task;
            this.view = view;
        }

        @Override
        public boolean grants(Caller caller, int need) {
            return view.admin() && (need & ~5) == 0;
        }

        @Override
        public CompletableFuture<Node> walk(String name, Caller caller) {
            if (session.isReleased()) {
                return StyxException.failed(Errors.NOT_FOUND);
            }
            TaskFile f = TaskFile.named(name);
            if (f != null) {
                return CompletableFuture.completedFuture(new FileNode(session, task, f, view));
            }
            int n = task < 0 ? TaskFile.directoryNumber(name) : -1;
            return n >= 0 && session.leaf(n) != null ? CompletableFuture.completedFuture(new TaskDir(session, n, view))
                    : StyxException.failed(Errors.NOT_FOUND);
        }

        @Override
        public CompletableFuture<List<Dir>> list(Caller caller) {
            List<Dir> out = new ArrayList<>();
            if (task < 0) {
                for (int i = 0; i < session.size(); i++) {
                    out.add(new TaskDir(session, i, view).dir());
                }
            }
            for (TaskFile f : TaskFile.values()) {
                out.add(new FileNode(session, task, f, view).dir());
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    private static final class FileNode extends SyntheticNode {
        private final Session session;
        private final int task;
        private final TaskFile kind;
        private final View view;

        FileNode(Session session, int task, TaskFile kind, View view) {
            super(Qid.file(qidPath(session, task, kind.code())), kind.fileName(), kind.mode(), session::owner);
            this.session = session;
            this.task = task;
            this.kind = kind;
            this.view = view;
        }

        /** What the server answered a refused open or write of this file with goes to the session's err. */
        @Override
        public void refused(Caller caller, String error) {
            session.refused(task, kind.fileName(), error);
        }

        /** An administrator may do to a session's file what its owner may. */
        @Override
        public boolean grants(Caller caller, int need) {
            return view.admin() && (need & ~(kind.mode() >> 6)) == 0;
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
                    h = new CtlHandle(this, session, task, connectionOf(caller));
                    break;
                case STDIO:
                    h = new DataHandle(this, session, task, false, writes);
                    break;
                case STDIN:
                    h = new DataHandle(this, session, task, false, true);
                    break;
                case STDOUT:
                    h = new DataHandle(this, session, task, false, false);
                    break;
                case STDERR:
                    h = new DataHandle(this, session, task, true, false);
                    break;
                case STATUS:
                    h = TextHandle.later(this, () -> session.status(task));
                    break;
                case WAIT:
                    h = new WaitHandle(this, session, task);
                    break;
                case ARGS:
                    h = new TextHandle(this, () -> session.argsText(task)) {
                        /** Lines written on this open file so far: the session's line k is task k's across writes. */
                        private int written;

                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            String text = EnvLines.text("args", data);
                            int from;
                            synchronized (this) {
                                from = written;
                            }
                            return session.addArgs(task, text, from).thenApply(v -> {
                                synchronized (this) {
                                    written = Math.max(written, from + Session.argLines(text).length);
                                }
                                return data.length;
                            });
                        }
                    };
                    if (writes && (mode & P9.OTRUNC) != 0) {
                        OpenFile args = h;
                        return session.clearArgs(task).thenApply(v -> args);
                    }
                    break;
                case ENV:
                    h = new TextHandle(this, () -> session.envText(task)) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            return session.addEnv(task, EnvLines.text("env", data)).thenApply(v -> data.length);
                        }
                    };
                    break;
                case NS:
                    h = new TextHandle(this, () -> session.ns(task)) {
                        @Override
                        public CompletableFuture<Integer> write(long offset, byte[] data) {
                            throw new StyxException("ns: rebinding tasks is not supported yet");
                        }
                    };
                    break;
                case ERR:
                    h = new TextHandle(this, () -> session.errText(task));
                    break;
                default:
                    throw new AssertionError(kind);
            }
            return CompletableFuture.completedFuture(h);
        }
    }

    // ------------------------------------------------------------------ open files

    /** Handles that count as devcmd's "inuse" references: they keep the session, and killonclose waits for them. */
    private abstract static class RefHandle implements OpenFile {
        private final Node node;
        final Session session;
        final int task;
        private boolean clunked;

        RefHandle(Node node, Session session, int task) {
            this.node = node;
            this.session = session;
            this.task = task;
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

    /** ctl (and an opened clone): reads the session's number (a task's: its own), no newline; writes are commands. */
    private static final class CtlHandle extends RefHandle {
        /** Commands act for the connection that opened this ctl (hold binds the session to it). */
        private final long connection;

        CtlHandle(Node node, Session session, int task, long connection) {
            super(node, session, task);
            this.connection = connection;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            String text = Integer.toString(task < 0 ? session.id() : task);
            return CompletableFuture.completedFuture(Files9.slice(utf8(text), offset, count));
        }

        @Override
        public CompletableFuture<Integer> write(long offset, byte[] data) {
            CompletableFuture<Void> done = session.control(CtlRequest.parse(data), task, connection);
            // A res waiting for slots is withdrawn when its write is flushed or its client goes.
            return org.taskfs.styx.util.Futures.cancelsInner(done.thenApply(x -> data.length), done);
        }
    }

    /** stdout, stderr, stdin and stdio: gathered reads and spread writes over the tasks. */
    private static final class DataHandle extends RefHandle {
        private final boolean stderr;
        private final SpreadWriter writer;
        private GatherReader reader;

        DataHandle(Node node, Session session, int task, boolean stderr, boolean writes) {
            super(node, session, task);
            this.stderr = stderr;
            this.writer = writes ? new SpreadWriter(session, task) : null;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            GatherReader r;
            synchronized (this) {
                if (reader == null) {
                    reader = new GatherReader(session, task, stderr);
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

    private static final class WaitHandle extends RefHandle {
        private final WaitReader reader;

        WaitHandle(Node node, Session session, int task) {
            super(node, session, task);
            this.reader = new WaitReader(session, task);
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int count) {
            return reader.read(offset, count);
        }
    }

    // ------------------------------------------------------------------ splice

    /**
     * Opens a path of this tree for reading on behalf of a session's owner (splice, xsplice), with the owner's
     * rights: another user's session is not found, a file the owner may not read is refused.
     */
    private CompletableFuture<OpenFile> openForSplice(Session s, String path) {
        Caller caller = new Caller(s.owner(), "", null);
        CompletableFuture<Node> at = view(s.owner()).thenApply(Root::new);
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                return StyxException.failed("splice: \"..\" is not allowed in " + path);
            }
            at = at.thenCompose(n -> n.walk(part, caller));
        }
        return at.handle((n, e) -> {
            if (e != null) {
                throw new StyxException("splice " + path + ": " + Failures.text(e));
            }
            return n;
        }).thenCompose(n -> {
            if (n.isDirectory()) {
                throw new StyxException("splice: " + path + " is a directory");
            }
            return n.stat().thenCompose(d -> {
                if (!n.grants(caller, 4) && !ProtocolRules.permits(d, s.owner(), 4)) {
                    throw new StyxException("splice " + path + ": permission denied: " + s.owner()
                            + " may not read it");
                }
                return n.open(P9.OREAD, caller);
            });
        });
    }
}
