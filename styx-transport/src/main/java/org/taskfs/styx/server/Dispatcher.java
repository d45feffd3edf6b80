package org.taskfs.styx.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.auth.AuthenticationException;
import org.taskfs.styx.auth.Principal;
import org.taskfs.styx.auth.ServerAuth;
import org.taskfs.styx.auth.ServerExchange;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.codec.Utf8Cut;
import org.taskfs.styx.util.Futures;

/**
 * Serves the requests of one connection: one method per message, each checked against
 * {@link ProtocolRules} before a node sees it. Every request is answered exactly once, possibly
 * later: its handler yields a future, and the reply goes out when that completes, unless a
 * Tflush came first. Runs on the connection's event loop and never blocks it.
 *
 * <p>The dialect agreed in Tversion decides the shape of errors (Rerror, with an errno in 9P2000.u, or
 * .L's Rlerror) and of stat entries (.u's numeric ids); {@link LinuxRequests} maps 9P2000.L's own messages
 * onto the same nodes, so a {@link FileServer} never sees which dialect its client speaks.
 */
final class Dispatcher {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final FileServer server;
    private final ServerOptions options;
    private final ConnectionInfo info;
    private final EventExecutor loop;
    /** How long a kernel read loop's follow-up Tread waits for more before the reader gets what it has. */
    static final Duration FOLLOW_UP_GRACE = Duration.ofMillis(20);
    private final Consumer<Rmessage> replies;
    /** Told the largest frame the decoder takes and the dialect it reads, once Tversion agreed on them. */
    private final Agreement agreement;

    private final FidTable fids;
    private final Map<Integer, Request> inflight = new HashMap<>();
    /** 0 until a Tversion has agreed on one. */
    private int msize;
    private Dialect dialect = Dialect.P9_2000;
    private final LinuxRequests linux = new LinuxRequests(this);

    /** What a Tversion settles for the frames that follow it. */
    @FunctionalInterface
    interface Agreement {
        void agreed(int frameLimit, Dialect dialect);
    }

    /** The server's --auth method, ready; empty for none (Tauth then goes to the FileServer's hook). */
    private final Optional<ServerAuth> serverAuth;
    /** Who the kernel says the peer is (Unix socket, loopback TCP); empty for a remote peer. */
    private final CompletableFuture<Optional<Principal>> kernel;
    /**
     * The principal of the last attach through a proven afid: later NOFID attaches on this connection
     * act as it, as diod's authenticated connections do (so a speaker attaches once per user).
     */
    private Principal proven;
    private long authPaths;

    Dispatcher(FileServer server, ServerOptions options, ConnectionInfo info, EventExecutor loop,
               Consumer<Rmessage> replies, Agreement agreement, Optional<ServerAuth> serverAuth,
               CompletableFuture<Optional<Principal>> kernel) {
        this.server = server;
        this.options = options;
        this.info = info;
        this.serverAuth = serverAuth;
        this.kernel = kernel;
        this.loop = loop;
        this.replies = replies;
        this.agreement = agreement;
        this.fids = new FidTable(options.maxFids());
    }

    /** The agreed msize, or 0 before Tversion. */
    int msize() {
        return msize;
    }

    Dialect dialect() {
        return dialect;
    }

    int iounit() {
        return msize - P9.IOHDRSZ;
    }

    FidTable fids() {
        return fids;
    }

    /** The error reply for {@code text} in this connection's dialect. */
    Rmessage error(int tag, String text) {
        return switch (dialect) {
            case L -> new Rmessage.Lerror(tag, Errno.of(text).number());
            // The kernel, .u's usual client, makes room for ERRMAX bytes of text and drops the connection on more.
            case U -> new Rmessage.Error(tag, Utf8Cut.cut(text, P9.ERRMAX), Errno.of(text).number());
            case P9_2000 -> new Rmessage.Error(tag, text);
        };
    }

    // ------------------------------------------------------------------ requests and replies

    void receive(Tmessage t) {
        if (t instanceof Tmessage.Version v) {
            version(v);
            return;
        }
        if (msize == 0) {
            replies.accept(error(t.tag(), Errors.NOT_VERSIONED));
            return;
        }
        // A Tflush's own tag must be free too, or that tag would get its Rflush and a second reply.
        if (inflight.containsKey(t.tag())) {
            replies.accept(error(t.tag(), "tag " + t.tag() + " is already in use"));
            return;
        }
        if (t instanceof Tmessage.Flush f) {
            flush(f);
            return;
        }
        if (inflight.size() >= options.maxOutstanding()) {
            replies.accept(error(t.tag(), "too many outstanding requests (limit "
                    + options.maxOutstanding() + ")"));
            return;
        }
        Request req = new Request(t, loop);
        inflight.put(t.tag(), req);
        // A rule broken (StyxException) or a node that threw outright: either way this request
        // fails, not the connection.
        Futures.attempt(() -> dispatch(req)).whenComplete((r, e) -> finish(req, r, e));
    }

    private CompletableFuture<Rmessage> dispatch(Request req) {
        Tmessage t = req.msg;
        if (t instanceof Tmessage.Auth a) {
            return auth(req, a);
        } else if (t instanceof Tmessage.Attach a) {
            return attach(req, a);
        } else if (t instanceof Tmessage.Walk w) {
            return walk(req, w);
        } else if (t instanceof Tmessage.Open o) {
            return open(req, o);
        } else if (t instanceof Tmessage.Create c) {
            return create(req, c);
        } else if (t instanceof Tmessage.Read r) {
            return read(req, r);
        } else if (t instanceof Tmessage.Write w) {
            return write(req, w);
        } else if (t instanceof Tmessage.Clunk c) {
            return clunk(c);
        } else if (t instanceof Tmessage.Remove r) {
            return remove(req, r);
        } else if (t instanceof Tmessage.Stat s) {
            return stat(req, s);
        } else if (t instanceof Tmessage.Wstat w) {
            return wstat(req, w);
        }
        return linux.dispatch(req, t);
    }

    /** Answers a request once, unless it was flushed (then its answer is dropped, as flush(5) allows). */
    private void finish(Request req, Rmessage r, Throwable error) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> finish(req, r, error));
            return;
        }
        if (req.flushed()) {
            return;
        }
        inflight.remove(req.msg.tag());
        Throwable e = error;
        if (r == null && e == null) {
            e = new IllegalStateException("no reply produced for " + req.msg.type());
        }
        if (r != null) {
            replies.accept(r);
            return;
        }
        String text = errorText(e);
        // Noted before the answer goes: whoever reads of the refusal can read it where the node keeps it.
        try {
            req.refused(text);
        } catch (RuntimeException x) {
            LOG.log(System.Logger.Level.WARNING, "a node failed to note a refusal", x);
        }
        replies.accept(error(req.msg.tag(), text));
        // Logged after the answer: whatever logging needs (out of descriptors, even that may fail) must not
        // cost the client its answer.
        logFailure(e);
    }

    private static String errorText(Throwable e) {
        Throwable cause = Futures.cause(e);
        if (cause instanceof StyxException) {
            return cause.getMessage();
        }
        if (cause instanceof CancellationException) {
            return Errors.INTERRUPTED;
        }
        if (cause instanceof org.taskfs.styx.client.StyxRemoteException relayed) {
            // Another server's answer, passed on (a coordinator's member said it): as it was said.
            return relayed.error();
        }
        if (isSystemRefusal(cause)) {
            // The system's own word for what stopped it ("Too many open files", "No space left on device").
            return cause.getMessage();
        }
        String text = cause.getMessage();
        return "internal error: " + (text == null ? cause.getClass().getSimpleName() : text);
    }

    private static boolean isSystemRefusal(Throwable cause) {
        return cause instanceof java.io.IOException && cause.getMessage() != null;
    }

    /** Failures that are not the protocol's own refusals are worth a line in the log. */
    private static void logFailure(Throwable e) {
        Throwable cause = Futures.cause(e);
        if (cause instanceof StyxException || cause instanceof CancellationException
                || cause instanceof org.taskfs.styx.client.StyxRemoteException) {
            return;
        }
        if (isSystemRefusal(cause)) {
            LOG.log(System.Logger.Level.INFO, "request failed: {0}", cause.toString());
        } else {
            LOG.log(System.Logger.Level.WARNING, "internal error serving a request", cause);
        }
    }

    /** Cancels every request in flight (their replies are never sent) and clunks every fid. */
    void abortAll() {
        List<Request> requests = new ArrayList<>(inflight.values());
        inflight.clear();
        for (Request r : requests) {
            r.flush();
        }
        fids.clunkAll();
    }

    // ------------------------------------------------------------------ version and flush

    private void version(Tmessage.Version v) {
        long asked = Integer.toUnsignedLong(v.msize());
        if (asked < P9.MIN_MSIZE) {
            replies.accept(new Rmessage.Error(v.tag(), "msize " + asked + " is too small; at least " + P9.MIN_MSIZE
                    + " is needed"));
            return;
        }
        // A new version starts a new session: nothing of the old one survives, not even its proof.
        abortAll();
        proven = null;
        Dialect d = Dialect.of(v.version());
        if (d == null) {
            msize = 0;
            dialect = Dialect.P9_2000;
            agreement.agreed(StyxFrameDecoder.PRE_VERSION_LIMIT, dialect);
            replies.accept(new Rmessage.Version(v.tag(), (int) Math.min(asked, options.maxMsize()), "unknown"));
            return;
        }
        msize = (int) Math.min(asked, options.maxMsize());
        dialect = d;
        agreement.agreed(msize, d);
        replies.accept(new Rmessage.Version(v.tag(), msize, d.version()));
    }

    private void flush(Tmessage.Flush f) {
        Request old = inflight.remove(f.oldtag());
        if (old != null) {
            // Cancelling first means the old reply can never follow the Rflush.
            old.flush();
        }
        replies.accept(new Rmessage.Flush(f.tag()));
    }

    // ------------------------------------------------------------------ auth and attach

    private CompletableFuture<Rmessage> auth(Request req, Tmessage.Auth a) {
        fids.checkNew(a.afid());
        Caller caller = new Caller(a.uname(), a.aname(), info);
        if (serverAuth.isPresent()) {
            // The framework's own exchange: every FileServer sees proven users, whatever it implements.
            AuthFile file = new AuthFile(serverAuth.get().start(a.uname(), a.aname()), ++authPaths);
            Fid f = new Fid(a.afid(), caller, new Fid.Path(file, null));
            f.open = file;
            f.openMode = P9.ORDWR;
            f.auth = true;
            fids.add(f);
            return CompletableFuture.completedFuture(new Rmessage.Auth(a.tag(), file.qid()));
        }
        return req.call(() -> server.auth(caller)).thenApply(handle -> {
            if (req.flushed() || fids.contains(a.afid())) {
                handle.clunk();
                throw new StyxException(Errors.FID_IN_USE);
            }
            Fid f = new Fid(a.afid(), caller, new Fid.Path(handle.node(), null));
            f.open = handle;
            f.openMode = P9.ORDWR;
            f.auth = true;
            fids.add(f);
            return new Rmessage.Auth(a.tag(), handle.node().qid());
        });
    }

    private CompletableFuture<Rmessage> attach(Request req, Tmessage.Attach a) {
        fids.checkNew(a.fid());
        OpenFile authFile = null;
        ServerExchange exchange = null;
        if (a.afid() != P9.NOFID) {
            Fid af = fids.find(a.afid());
            if (af == null || !af.auth) {
                throw new StyxException(Errors.NOT_AUTH_FID);
            }
            authFile = af.open;
            if (af.open instanceof AuthFile own) {
                exchange = own.exchange();
            }
        }
        CompletableFuture<Optional<Principal>> who;
        if (exchange != null) {
            // The exchange proved someone for this uname and aname (the key's proofs cover them), so an
            // attach through it names the same, as Plan 9's authattach demands.
            if (!exchange.uname().equals(a.uname()) || !exchange.aname().equals(a.aname())) {
                throw new StyxException(AuthenticationException.PREFIX + "the afid was made for "
                        + quoted(exchange.uname(), exchange.aname()) + ", not " + quoted(a.uname(), a.aname()));
            }
            who = AuthFile.refusals(exchange.principal()).thenApply(Optional::of);
        } else if (proven != null) {
            who = CompletableFuture.completedFuture(Optional.of(proven));
        } else {
            who = kernel.copy(); // a copy: a Tflush cancels this attach's wait, not the lookup
        }
        boolean viaAfid = exchange != null;
        OpenFile auth = authFile;
        Caller[] admitted = new Caller[1];
        // 9P2000.u and .L name the user by number too; the number wins, as the kernel's per-uid attaches mean it.
        CompletableFuture<String> claimed = a.nUname() == P9.NONUNAME
                ? CompletableFuture.completedFuture(a.uname()) : UnixIds.user(a.nUname());
        return req.call(() -> who).thenCompose(principal -> req.call(() -> claimed).thenCompose(uname -> {
            admitted[0] = admit(uname, a.aname(), principal, viaAfid);
            return req.call(() -> server.attach(admitted[0], auth));
        })).thenApply(root -> {
            if (req.flushed()) {
                return null;
            }
            fids.checkNew(a.fid());
            fids.add(new Fid(a.fid(), admitted[0], new Fid.Path(root, null)));
            if (viaAfid) {
                proven = admitted[0].principal();
            }
            return new Rmessage.Attach(a.tag(), root.qid());
        });
    }

    private static String quoted(String uname, String aname) {
        return "uname '" + uname + "' aname '" + aname + "'";
    }

    /**
     * The attach rule: the uname a client sends is a claim. A speaker (root, the server's own user, the
     * key's holder) may name anyone; anyone else only themselves ("" meaning themselves). A peer nobody
     * vouches for is refused when the server has an auth method, and taken at its word when it has none
     * (a server started with --insecure off loopback: that is what --insecure means).
     */
    private Caller admit(String claimed, String aname, Optional<Principal> principal, boolean viaAfid) {
        if (principal.isPresent()) {
            Principal p = principal.get();
            String user = claimed.isEmpty() ? p.user() : claimed;
            if (p.speaker() || user.equals(p.user())) {
                return new Caller(user, aname, info, p);
            }
            if (viaAfid && p.proof().equals(Principal.MUNGE)) {
                throw new StyxException(AuthenticationException.PREFIX + "the munge credential is for uid " + p.uid()
                        + " (" + p.user() + "), not for " + claimed);
            }
            throw new StyxException("attach as " + claimed + " refused: this connection is " + p.describe());
        }
        if (serverAuth.isPresent()) {
            throw new StyxException("authentication required: " + info.remoteAddress()
                    + " is not a local peer the kernel can identify; authenticate with --auth "
                    + (options.auth() instanceof AuthMethod.Key ? "key=FILE" : "munge"));
        }
        String user = claimed.isEmpty() ? "none" : claimed;
        return new Caller(user, aname, info, Principal.claimed(user));
    }

    // ------------------------------------------------------------------ walk

    private CompletableFuture<Rmessage> walk(Request req, Tmessage.Walk w) {
        Fid f = fids.get(w.fid());
        // 9P2000.L lets a client walk on from an open directory to a new fid (diodls -l does).
        ProtocolRules.checkWalkable(f.auth, f.busy() && !(dialect == Dialect.L && w.newfid() != w.fid()));
        if (w.newfid() != w.fid()) {
            fids.checkNew(w.newfid());
        }
        ProtocolRules.checkWalkNames(w.names(), f.node().isDirectory());
        return walkFrom(req, f, f.path, w, 0, new ArrayList<>(w.names().size()));
    }

    private CompletableFuture<Rmessage> walkFrom(Request req, Fid f, Fid.Path at, Tmessage.Walk w, int i,
                                                 List<Qid> qids) {
        if (i == w.names().size() || !at.node().isDirectory()) {
            return CompletableFuture.completedFuture(walked(req, f, at, w, qids));
        }
        String name = w.names().get(i);
        if (name.equals("..")) {
            Fid.Path up = at.up();
            qids.add(up.node().qid());
            return walkFrom(req, f, up, w, i + 1, qids);
        }
        return req.call(() -> at.node().walk(name, f.caller)).handle((child, e) -> {
            if (e != null || child == null) {
                // walk(5): only a failure of the first name is an error; later ones end the walk short.
                if (i == 0) {
                    throw Futures.rethrow(e != null ? e : new StyxException(Errors.NOT_FOUND));
                }
                return CompletableFuture.completedFuture(walked(req, f, at, w, qids));
            }
            qids.add(child.qid());
            return walkFrom(req, f, at.down(child), w, i + 1, qids);
        }).thenCompose(x -> x);
    }

    /** Ends a walk: a full walk moves or makes newfid; a partial one changes nothing (walk(5)). */
    private Rmessage walked(Request req, Fid f, Fid.Path at, Tmessage.Walk w, List<Qid> qids) {
        if (req.flushed()) {
            return null;
        }
        if (qids.size() == w.names().size()) {
            if (w.newfid() == w.fid()) {
                if (fids.holds(f)) {
                    f.path = at;
                }
            } else {
                fids.checkNew(w.newfid());
                fids.add(new Fid(w.newfid(), f.caller, at));
            }
        }
        return new Rmessage.Walk(w.tag(), qids);
    }

    // ------------------------------------------------------------------ open and create

    private CompletableFuture<Rmessage> open(Request req, Tmessage.Open o) {
        return open(req, fids.get(o.fid()), unixOpenMode(o.mode()))
                .thenApply(h -> new Rmessage.Open(o.tag(), h.node().qid(), iounit()));
    }

    /**
     * 9P2000.u's open modes may carry OAPPEND for O_APPEND; the client picks the offsets of its writes itself
     * (the end of the file it knows), so to a node it is a plain open.
     */
    private int unixOpenMode(int mode) {
        return dialect.unixFields() ? mode & ~P9.OAPPEND : mode;
    }

    /** Opens {@code f} in the 9P mode {@code mode}; the fid holds the handle once this completes. */
    CompletableFuture<OpenFile> open(Request req, Fid f, int mode) {
        Node node = f.node();
        ProtocolRules.checkOpen(f.busy(), mode, node.isDirectory());
        req.refusalTo(node, f.caller);
        f.opening = true;
        return req.call(node::stat).thenCompose(d -> {
            int need = ProtocolRules.access(mode);
            if (!node.grants(f.caller, need)) {
                ProtocolRules.checkPermits(d, f.caller.user(), need);
            }
            // open(5): ORCLOSE needs permission to remove the file, checked now, not at the clunk.
            return (mode & P9.ORCLOSE) != 0 ? mayRemove(req, f.path, f.caller) : CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(x -> req.call(() -> node.open(mode, f.caller))).handle((handle, e) -> {
            adopt(req, f, handle, e, mode, new Fid.Path(handle == null ? node : handle.node(), f.path.parent()));
            return handle;
        });
    }

    private CompletableFuture<Rmessage> create(Request req, Tmessage.Create c) {
        return create(req, fids.get(c.fid()), c.name(), c.perm(), unixOpenMode(c.mode()))
                .thenApply(h -> new Rmessage.Create(c.tag(), h.node().qid(), iounit()));
    }

    /** Creates {@code name} in the directory {@code f} and opens it; the fid becomes the new file's. */
    CompletableFuture<OpenFile> create(Request req, Fid f, String name, int perm, int mode) {
        ProtocolRules.checkCreate(f.busy(), f.node().isDirectory(), name, perm, mode);
        f.opening = true;
        return create(req, f.path, f.caller, name, perm, mode).handle((handle, e) -> {
            adopt(req, f, handle, e, mode, handle == null ? f.path : f.path.down(handle.node()));
            return handle;
        });
    }

    /** Creates {@code name} in the directory at {@code at} and opens it, the handle the caller's to keep or clunk. */
    CompletableFuture<OpenFile> create(Request req, Fid.Path at, Caller caller, String name, int perm, int mode) {
        Node dir = at.node();
        ProtocolRules.checkCreate(false, dir.isDirectory(), name, perm, mode);
        return req.call(dir::stat).thenCompose(d -> {
            ProtocolRules.checkPermits(d, caller.user(), ProtocolRules.WRITE);
            return req.call(() -> dir.create(name, perm, mode, caller));
        });
    }

    /**
     * Ends an open or create: the fid becomes the open handle at {@code at}, unless the request
     * failed, was flushed, or the fid was clunked meanwhile (then the handle is let go).
     */
    private void adopt(Request req, Fid f, OpenFile handle, Throwable e, int mode, Fid.Path at) {
        f.opening = false;
        if (e != null) {
            throw Futures.rethrow(e);
        }
        if (req.flushed() || !fids.holds(f)) {
            handle.clunk();
            throw new StyxException(Errors.UNKNOWN_FID);
        }
        f.open = handle;
        f.openMode = mode;
        f.path = at;
    }

    // ------------------------------------------------------------------ read and write

    private CompletableFuture<Rmessage> read(Request req, Tmessage.Read r) {
        Fid f = fids.get(r.fid());
        long count = Integer.toUnsignedLong(r.count());
        ProtocolRules.checkRead(f.openMode, count, iounit(), r.offset());
        if (f.node().isDirectory() && !f.auth) {
            return readDirectory(req, f, r);
        }
        OpenFile open = f.open;
        boolean followUp = f.kernelReads && r.offset() == f.shortReadEnd;
        f.shortReadEnd = -1;
        CompletableFuture<byte[]> read;
        boolean wasHeld = f.held != null && r.offset() == f.heldAt;
        if (wasHeld) {
            CompletableFuture<byte[]> held = f.held;
            f.held = null;
            f.heldSource = null;
            read = req.call(() -> held);
        } else {
            f.dropHeld();
            read = req.call(() -> open.read(r.offset(), (int) count));
            if (followUp && !read.isDone()) {
                read = soonOrNothing(req, f, r.offset(), read);
            }
        }
        return read.thenApply(data -> {
            if (data.length > count && wasHeld) {
                // The held read was asked for more than this one asks: the rest is for the read after it.
                f.held = CompletableFuture.completedFuture(Arrays.copyOfRange(data, (int) count, data.length));
                f.heldAt = r.offset() + count;
                data = Arrays.copyOf(data, (int) count);
            }
            if (data.length > count) {
                throw new IllegalStateException("read handler returned " + data.length + " bytes for a count of "
                        + count);
            }
            if (f.kernelReads && data.length > 0 && data.length < count) {
                f.shortReadEnd = r.offset() + data.length;
            }
            return new Rmessage.Read(r.tag(), data);
        });
    }

    /**
     * The Linux kernel's read(2) on a 9P file goes on sending Treads until the reader's buffer is full or a read
     * comes back empty, so a stream that has printed a line would keep it from the reader until more than a
     * buffer's worth followed. After a short read the next Tread is that loop going on: if nothing more comes
     * within {@link #FOLLOW_UP_GRACE}, it is refused (EAGAIN), and the kernel gives the reader what it has. The
     * node's read goes on, held for the fid: the reader's next read(2) at that offset waits for it, so no byte
     * it brings is lost.
     */
    private CompletableFuture<byte[]> soonOrNothing(Request req, Fid f, long offset, CompletableFuture<byte[]> read) {
        @SuppressWarnings("unchecked")
        CompletableFuture<byte[]> source = (CompletableFuture<byte[]>) req.waitingFor();
        // A later read that takes this one over and is then flushed stops the node too.
        read.whenComplete((data, e) -> {
            if (read.isCancelled() && source != null) {
                source.cancel(true);
            }
        });
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (answer.completeExceptionally(new StyxException(Errors.NOTHING_YET)) && fids.holds(f)) {
                f.held = read;
                f.heldSource = source;
                f.heldAt = offset;
            }
        }, FOLLOW_UP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        read.whenComplete((data, e) -> {
            timer.cancel(false);
            if (e != null) {
                answer.completeExceptionally(e);
            } else {
                answer.complete(data);
            }
        });
        return answer;
    }

    /** A read at offset 0 takes the listing afresh; later reads go on through it. */
    private CompletableFuture<Rmessage> readDirectory(Request req, Fid f, Tmessage.Read r) {
        if (r.offset() == 0) {
            return req.call(() -> f.node().list(f.caller)).thenCompose(dirs -> dialect.unixFields()
                    ? req.call(() -> UnixIds.numbered(dirs)) : CompletableFuture.completedFuture(dirs)).thenApply(dirs -> {
                f.directory.restart(dirs, dialect);
                return new Rmessage.Read(r.tag(), f.directory.read(0, r.count()));
            });
        }
        return CompletableFuture.completedFuture(new Rmessage.Read(r.tag(), f.directory.read(r.offset(), r.count())));
    }

    private CompletableFuture<Rmessage> write(Request req, Tmessage.Write w) {
        Fid f = fids.get(w.fid());
        ProtocolRules.checkWrite(f.openMode, f.node().isDirectory() && !f.auth, w.data().length, iounit(), w.offset());
        OpenFile open = f.open;
        req.refusalTo(f.node(), f.caller);
        return req.call(() -> open.write(w.offset(), w.data())).thenApply(n -> {
            if (n < 0 || n > w.data().length) {
                throw new IllegalStateException("write handler reported " + n + " bytes of " + w.data().length);
            }
            return new Rmessage.Write(w.tag(), n);
        });
    }

    // ------------------------------------------------------------------ clunk, remove, stat, wstat

    private CompletableFuture<Rmessage> clunk(Tmessage.Clunk c) {
        FidTable.release(fids.take(c.fid()));
        return CompletableFuture.completedFuture(new Rmessage.Clunk(c.tag()));
    }

    private CompletableFuture<Rmessage> remove(Request req, Tmessage.Remove r) {
        // remove(5): the fid is clunked whether or not the remove succeeds.
        Fid f = fids.take(r.fid());
        f.openMode &= ~P9.ORCLOSE;
        FidTable.release(f);
        if (f.auth) {
            throw new StyxException(Errors.PERMISSION);
        }
        return remove(req, f.path, f.caller).thenApply(x -> new Rmessage.Remove(r.tag()));
    }

    /** Removes the node at {@code at}, if {@code caller} may. */
    CompletableFuture<Void> remove(Request req, Fid.Path at, Caller caller) {
        return mayRemove(req, at, caller).thenCompose(x -> req.call(() -> at.node().remove(caller)));
    }

    /** remove(5): removing needs write permission in the parent; the root has none to give. */
    private CompletableFuture<Void> mayRemove(Request req, Fid.Path at, Caller caller) {
        Fid.Path parent = at.parent();
        if (parent == null) {
            return StyxException.failed(Errors.PERMISSION);
        }
        return req.call(() -> parent.node().stat())
                .thenAccept(d -> ProtocolRules.checkPermits(d, caller.user(), ProtocolRules.WRITE));
    }

    private CompletableFuture<Rmessage> stat(Request req, Tmessage.Stat s) {
        Fid f = fids.get(s.fid());
        return req.call(() -> f.node().stat()).thenCompose(d -> numbered(req, d))
                .thenApply(d -> new Rmessage.Stat(s.tag(), d));
    }

    /** A stat entry as the dialect shows it: with 9P2000.u's numeric ids, looked up off the loop. */
    CompletableFuture<Dir> numbered(Request req, Dir d) {
        return dialect.unixFields() ? req.call(() -> UnixIds.numbered(d)) : CompletableFuture.completedFuture(d);
    }

    private CompletableFuture<Rmessage> wstat(Request req, Tmessage.Wstat w) {
        Fid f = fids.get(w.fid());
        CompletableFuture<Dir> changes = dialect.unixFields() ? req.call(() -> UnixIds.named(w.dir()))
                : CompletableFuture.completedFuture(w.dir());
        return changes.thenCompose(d -> wstat(req, f.path, d, f.caller)).thenApply(x -> new Rmessage.Wstat(w.tag()));
    }

    /** Applies {@code changes} to the node at {@code at} once the rules of stat(5) allow them. */
    CompletableFuture<Void> wstat(Request req, Fid.Path at, Dir changes, Caller caller) {
        Node node = at.node();
        ProtocolRules.checkWstat(changes, node.qid(), node.isDirectory(), at.parent() == null);
        return req.call(() -> node.wstat(changes, caller));
    }
}
