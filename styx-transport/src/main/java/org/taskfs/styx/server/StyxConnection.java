package org.taskfs.styx.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.taskfs.styx.codec.BadMessage;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/**
 * The protocol engine of one connection: it enforces 9P2000's rules (version, fids, tags, open
 * modes, counts, names) so that {@link Node}s only see legal requests, answers each request exactly
 * once, and cleans up when the client goes. All state is confined to the channel's event loop;
 * node futures may complete on any thread and are brought back to it.
 */
final class StyxConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(StyxConnection.class.getName());

    /** Permission bits a create may carry: 9P2000 has no special files. */
    private static final int CREATABLE_BITS = P9.DMDIR | P9.DMAPPEND | P9.DMEXCL | P9.DMTMP | 0777;

    private final FileServer server;
    private final ServerOptions options;
    private final ConnectionInfo info;
    private final StyxFrameDecoder decoder;

    private final Map<Integer, Fid> fids = new HashMap<>();
    private final Map<Integer, Request> inflight = new HashMap<>();
    private ChannelHandlerContext ctx;
    private int msize;
    private ScheduledFuture<?> partialFrameCheck;
    private int partialFrameStrikes;
    /**
     * Requests already decoded while the client was not reading its replies. One read can hold
     * thousands of small requests, each of which may produce a large reply, so they wait here
     * until the replies drain instead of being served all at once.
     */
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private boolean draining;

    /** A request between its arrival and its reply. */
    private static final class Request {
        final Tmessage msg;
        /** The node future currently awaited: Tflush cancels it. */
        CompletableFuture<?> pending;
        boolean flushed;

        Request(Tmessage msg) {
            this.msg = msg;
        }
    }

    StyxConnection(FileServer server, ServerOptions options, ConnectionInfo info, StyxFrameDecoder decoder) {
        this.server = server;
        this.options = options;
        this.info = info;
        this.decoder = decoder;
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long period = Math.max(1, options.partialFrameTimeout().toMillis() / 2);
        partialFrameCheck = ctx.executor().scheduleAtFixedRate(this::checkPartialFrame, period, period,
                TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    /** A client that starts a frame and never finishes it would hold its buffer forever. */
    private void checkPartialFrame() {
        // While the server has stopped reading (a client slow to read its replies), the rest of
        // the frame may well be waiting in the socket: that is not the client's delay.
        if (decoder.pendingBytes() > 0 && ctx.channel().config().isAutoRead()) {
            if (++partialFrameStrikes >= 2) {
                LOG.log(System.Logger.Level.INFO, "{0}: incomplete frame for {1}; closing",
                        info.remoteAddress(), options.partialFrameTimeout());
                ctx.close();
            }
        } else {
            partialFrameStrikes = 0;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        partialFrameStrikes = 0;
        if (!backlog.isEmpty() || !ctx.channel().isWritable()) {
            backlog.add(msg);
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (msg instanceof BadMessage bad) {
            reply(new Rmessage.Error(bad.tag(), bad.reason()));
        } else if (msg instanceof Tmessage t) {
            receive(t);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A client that does not read its replies stops being read from, and requests already
        // read wait in the backlog, so queued replies stay bounded by the high-water mark.
        if (ctx.channel().isWritable() && !draining) {
            draining = true;
            try {
                while (!backlog.isEmpty() && ctx.channel().isWritable()) {
                    handle(backlog.poll());
                }
            } finally {
                draining = false;
            }
        }
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() && backlog.isEmpty());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1}; closing", info.remoteAddress(), cause.getMessage());
        } else {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", info.remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (partialFrameCheck != null) {
            partialFrameCheck.cancel(false);
        }
        backlog.clear();
        abortAll();
        try {
            server.disconnected(info);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "disconnect handler failed", e);
        }
        ctx.fireChannelInactive();
    }

    /** Cancels every request in flight (their replies are never sent) and clunks every fid. */
    private void abortAll() {
        List<Request> requests = new ArrayList<>(inflight.values());
        inflight.clear();
        for (Request r : requests) {
            r.flushed = true;
            cancel(r);
        }
        List<Fid> all = new ArrayList<>(fids.values());
        fids.clear();
        for (Fid f : all) {
            release(f);
        }
    }

    // ------------------------------------------------------------------ dispatch

    private void receive(Tmessage t) {
        if (t instanceof Tmessage.Version v) {
            version(v);
            return;
        }
        if (msize == 0) {
            reply(new Rmessage.Error(t.tag(), Errors.NOT_VERSIONED));
            return;
        }
        // A Tflush's own tag must be free too, or that tag would get its Rflush and a second reply.
        if (inflight.containsKey(t.tag())) {
            reply(new Rmessage.Error(t.tag(), "tag " + t.tag() + " is already in use"));
            return;
        }
        if (t instanceof Tmessage.Flush f) {
            flush(f);
            return;
        }
        if (inflight.size() >= options.maxOutstanding()) {
            reply(new Rmessage.Error(t.tag(), "too many outstanding requests (limit "
                    + options.maxOutstanding() + ")"));
            return;
        }
        Request req = new Request(t);
        inflight.put(t.tag(), req);
        CompletableFuture<Rmessage> result;
        try {
            result = dispatch(req);
        } catch (RuntimeException e) {
            // A rule broken (StyxException) or a node that threw outright: either way this
            // request fails, not the connection.
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((r, e) -> finish(req, r, e));
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
        throw new StyxException("unexpected message " + t.type());
    }

    /** Answers a request once, unless it was flushed (then its answer is dropped, as flush(5) allows). */
    private void finish(Request req, Rmessage r, Throwable error) {
        Throwable e = error;
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> finish(req, r, error));
            return;
        }
        if (req.flushed) {
            return;
        }
        inflight.remove(req.msg.tag());
        if (r == null && e == null) {
            e = new IllegalStateException("no reply produced for " + req.msg.type());
        }
        reply(r != null ? r : new Rmessage.Error(req.msg.tag(), errorText(e)));
    }

    private String errorText(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StyxException) {
            return cause.getMessage();
        }
        if (cause instanceof CancellationException) {
            return Errors.INTERRUPTED;
        }
        LOG.log(System.Logger.Level.WARNING, "internal error serving a request", cause);
        String text = cause.getMessage();
        return "internal error: " + (text == null ? cause.getClass().getSimpleName() : text);
    }

    private void reply(Rmessage r) {
        ctx.writeAndFlush(fit(r), ctx.voidPromise());
    }

    /**
     * A reply larger than msize makes the client drop the connection, and a string over 64 KiB
     * cannot be encoded at all (the write would fail and the request go unanswered). Only Rerror
     * and Rstat carry text from nodes, so only they are checked: long errors are cut to fit.
     */
    private Rmessage fit(Rmessage r) {
        if (!(r instanceof Rmessage.Error || r instanceof Rmessage.Stat)) {
            return r;
        }
        int limit = msize == 0 ? StyxFrameDecoder.PRE_VERSION_LIMIT : msize;
        long size;
        try {
            size = StyxWire.size(r);
        } catch (IllegalArgumentException e) {
            size = Long.MAX_VALUE;
        }
        if (size <= limit) {
            return r;
        }
        if (r instanceof Rmessage.Error e) {
            return new Rmessage.Error(e.tag(), truncateUtf8(e.ename(), limit - P9.HEADER_SIZE - 2));
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: a stat reply does not fit msize {1}", info.remoteAddress(), limit);
        return new Rmessage.Error(r.tag(), "stat entry does not fit the msize " + limit);
    }

    /** The longest prefix of {@code s} of at most {@code max} UTF-8 bytes, cut between characters. */
    private static String truncateUtf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return s;
        }
        int n = max;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * Calls into a node and brings its answer back to the event loop. A handler that throws or
     * returns null fails the request instead of the connection.
     */
    private <T> CompletableFuture<T> call(Request req, Supplier<CompletableFuture<T>> handler) {
        if (req.flushed) {
            return CompletableFuture.failedFuture(new CancellationException("flushed"));
        }
        CompletableFuture<T> f;
        try {
            f = handler.get();
            if (f == null) {
                f = CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
            }
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        req.pending = f;
        if (f.isDone()) {
            return f;
        }
        CompletableFuture<T> back = new CompletableFuture<>();
        f.whenComplete((v, e) -> ctx.executor().execute(() -> {
            if (e != null) {
                back.completeExceptionally(e);
            } else {
                back.complete(v);
            }
        }));
        return back;
    }

    private static void cancel(Request r) {
        if (r.pending != null) {
            r.pending.cancel(true);
        }
    }

    // ------------------------------------------------------------------ version and flush

    private void version(Tmessage.Version v) {
        long asked = Integer.toUnsignedLong(v.msize());
        if (asked < P9.MIN_MSIZE) {
            reply(new Rmessage.Error(v.tag(), "msize " + asked + " is too small; at least " + P9.MIN_MSIZE
                    + " is needed"));
            return;
        }
        // A new version starts a new session: nothing of the old one survives.
        abortAll();
        if (!v.version().startsWith(P9.VERSION)) {
            msize = 0;
            decoder.maxFrameSize(StyxFrameDecoder.PRE_VERSION_LIMIT);
            reply(new Rmessage.Version(v.tag(), (int) Math.min(asked, options.maxMsize()), "unknown"));
            return;
        }
        msize = (int) Math.min(asked, options.maxMsize());
        decoder.maxFrameSize(msize);
        reply(new Rmessage.Version(v.tag(), msize, P9.VERSION));
    }

    private void flush(Tmessage.Flush f) {
        Request old = inflight.remove(f.oldtag());
        if (old != null) {
            // Cancelling first means the old reply can never follow the Rflush.
            old.flushed = true;
            cancel(old);
        }
        reply(new Rmessage.Flush(f.tag()));
    }

    // ------------------------------------------------------------------ fids

    private Fid fid(int id) {
        Fid f = fids.get(id);
        if (f == null) {
            throw new StyxException(Errors.UNKNOWN_FID);
        }
        return f;
    }

    private void claimNewFid(int id) {
        if (id == P9.NOFID) {
            throw new StyxException("fid " + Integer.toUnsignedString(id) + " (NOFID) cannot be used");
        }
        if (fids.containsKey(id)) {
            throw new StyxException(Errors.FID_IN_USE);
        }
        if (fids.size() >= options.maxFids()) {
            throw new StyxException("too many fids (limit " + options.maxFids() + ")");
        }
    }

    /** Drops what a fid holds: its open handle and, for ORCLOSE, the file itself. */
    private void release(Fid f) {
        OpenFile open = f.open;
        f.open = null;
        if (open == null) {
            return;
        }
        try {
            open.clunk();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "clunk handler failed", e);
        }
        if ((f.openMode & P9.ORCLOSE) != 0) {
            try {
                f.node().remove(f.caller).exceptionally(e -> null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "remove on close failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ auth and attach

    private CompletableFuture<Rmessage> auth(Request req, Tmessage.Auth a) {
        claimNewFid(a.afid());
        Caller caller = new Caller(a.uname(), a.aname(), info);
        return call(req, () -> server.auth(caller)).thenApply(handle -> {
            if (req.flushed || fids.containsKey(a.afid())) {
                handle.clunk();
                throw new StyxException(Errors.FID_IN_USE);
            }
            Fid f = new Fid(a.afid(), caller, new Fid.Path(handle.node(), null));
            f.open = handle;
            f.openMode = P9.ORDWR;
            f.auth = true;
            fids.put(a.afid(), f);
            return new Rmessage.Auth(a.tag(), handle.node().qid());
        });
    }

    private CompletableFuture<Rmessage> attach(Request req, Tmessage.Attach a) {
        claimNewFid(a.fid());
        OpenFile authFile = null;
        if (a.afid() != P9.NOFID) {
            Fid af = fids.get(a.afid());
            if (af == null || !af.auth) {
                throw new StyxException(Errors.NOT_AUTH_FID);
            }
            authFile = af.open;
        }
        Caller caller = new Caller(a.uname(), a.aname(), info);
        OpenFile auth = authFile;
        return call(req, () -> server.attach(caller, auth)).thenApply(root -> {
            if (req.flushed) {
                return null;
            }
            claimNewFid(a.fid());
            fids.put(a.fid(), new Fid(a.fid(), caller, new Fid.Path(root, null)));
            return new Rmessage.Attach(a.tag(), root.qid());
        });
    }

    // ------------------------------------------------------------------ walk

    private static void checkName(String name) {
        if (name.isEmpty() || name.equals(".") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new StyxException(Errors.BAD_NAME + ": \"" + printable(name) + "\"");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > P9.MAX_NAME) {
            throw new StyxException(Errors.NAME_TOO_LONG + " (" + P9.MAX_NAME + " bytes at most)");
        }
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }

    private CompletableFuture<Rmessage> walk(Request req, Tmessage.Walk w) {
        Fid f = fid(w.fid());
        // An auth fid counts as open too; say what it really is.
        if (f.auth) {
            throw new StyxException("cannot walk an authentication fid");
        }
        if (f.isOpen() || f.opening) {
            throw new StyxException(Errors.WALK_OPEN);
        }
        if (w.newfid() != w.fid()) {
            claimNewFid(w.newfid());
        }
        for (String name : w.names()) {
            if (!name.equals("..")) {
                checkName(name);
            }
        }
        if (!w.names().isEmpty() && !f.node().isDirectory()) {
            throw new StyxException(Errors.NOT_DIR);
        }
        List<Qid> qids = new ArrayList<>(w.names().size());
        return walkFrom(req, f, f.path, w, 0, qids);
    }

    private CompletableFuture<Rmessage> walkFrom(Request req, Fid f, Fid.Path at, Tmessage.Walk w, int i,
                                                 List<Qid> qids) {
        if (i == w.names().size()) {
            return CompletableFuture.completedFuture(walked(req, f, at, w, qids));
        }
        if (!at.node().isDirectory()) {
            return CompletableFuture.completedFuture(walked(req, f, at, w, qids));
        }
        String name = w.names().get(i);
        if (name.equals("..")) {
            Fid.Path up = at.up();
            qids.add(up.node().qid());
            return walkFrom(req, f, up, w, i + 1, qids);
        }
        return call(req, () -> at.node().walk(name, f.caller)).handle((child, e) -> {
            if (e != null || child == null) {
                if (i == 0) {
                    throw e instanceof CompletionException ce ? ce : new CompletionException(
                            e != null ? e : new StyxException(Errors.NOT_FOUND));
                }
                return CompletableFuture.completedFuture(walked(req, f, at, w, qids));
            }
            qids.add(child.qid());
            return walkFrom(req, f, at.down(child), w, i + 1, qids);
        }).thenCompose(x -> x);
    }

    /** Ends a walk: a full walk moves or makes newfid; a partial one changes nothing (walk(5)). */
    private Rmessage walked(Request req, Fid f, Fid.Path at, Tmessage.Walk w, List<Qid> qids) {
        if (req.flushed) {
            return null;
        }
        if (qids.size() == w.names().size()) {
            if (w.newfid() == w.fid()) {
                if (fids.get(f.id) == f) {
                    f.path = at;
                }
            } else {
                claimNewFid(w.newfid());
                fids.put(w.newfid(), new Fid(w.newfid(), f.caller, at));
            }
        }
        return new Rmessage.Walk(w.tag(), qids);
    }

    // ------------------------------------------------------------------ open and create

    private static int accessFor(int mode) {
        int need = switch (mode & 3) {
            case P9.OREAD -> 4;
            case P9.OWRITE -> 2;
            case P9.ORDWR -> 6;
            default -> 1;
        };
        if ((mode & P9.OTRUNC) != 0) {
            need |= 2;
        }
        return need;
    }

    /** Plan 9's check: the bits of every class the user belongs to count. */
    static boolean permits(Dir d, String user, int need) {
        int have = d.mode() & 7;
        if (d.gid().equals(user)) {
            have |= (d.mode() >> 3) & 7;
        }
        if (d.uid().equals(user)) {
            have |= (d.mode() >> 6) & 7;
        }
        return (have & need) == need;
    }

    private int iounit() {
        return msize - P9.IOHDRSZ;
    }

    private CompletableFuture<Rmessage> open(Request req, Tmessage.Open o) {
        Fid f = fid(o.fid());
        if (f.isOpen() || f.opening) {
            throw new StyxException(Errors.ALREADY_OPEN);
        }
        if ((o.mode() & ~(3 | P9.OTRUNC | P9.ORCLOSE)) != 0) {
            throw new StyxException("bad open mode " + o.mode());
        }
        Node node = f.node();
        if (node.isDirectory() && ((o.mode() & 3) == P9.OWRITE || (o.mode() & 3) == P9.ORDWR
                || (o.mode() & (P9.OTRUNC | P9.ORCLOSE)) != 0)) {
            throw new StyxException(Errors.IS_DIR);
        }
        f.opening = true;
        return call(req, node::stat).thenCompose(d -> {
            if (!permits(d, f.caller.user(), accessFor(o.mode()))) {
                throw new StyxException(Errors.PERMISSION);
            }
            // open(5): ORCLOSE needs permission to remove the file, checked now, not at the clunk.
            return (o.mode() & P9.ORCLOSE) != 0 ? mayRemove(req, f) : CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(x -> call(req, () -> node.open(o.mode(), f.caller))).handle((handle, e) -> {
            adopt(req, f, handle, e, o.mode(), new Fid.Path(handle == null ? node : handle.node(), f.path.parent()));
            return new Rmessage.Open(o.tag(), handle.node().qid(), iounit());
        });
    }

    /**
     * Ends an open or create: the fid becomes the open handle at {@code at}, unless the request
     * failed, was flushed, or the fid was clunked meanwhile (then the handle is let go).
     */
    private void adopt(Request req, Fid f, OpenFile handle, Throwable e, int mode, Fid.Path at) {
        f.opening = false;
        if (e != null) {
            throw e instanceof CompletionException ce ? ce : new CompletionException(e);
        }
        if (req.flushed || fids.get(f.id) != f) {
            handle.clunk();
            throw new StyxException(Errors.UNKNOWN_FID);
        }
        f.open = handle;
        f.openMode = mode;
        f.path = at;
    }

    private CompletableFuture<Rmessage> create(Request req, Tmessage.Create c) {
        Fid f = fid(c.fid());
        if (f.isOpen() || f.opening) {
            throw new StyxException(Errors.ALREADY_OPEN);
        }
        Node dir = f.node();
        if (!dir.isDirectory()) {
            throw new StyxException(Errors.NOT_DIR);
        }
        checkName(c.name());
        if (c.name().equals("..")) {
            throw new StyxException(Errors.BAD_NAME + ": \"..\"");
        }
        if ((c.perm() & ~CREATABLE_BITS) != 0) {
            throw new StyxException("cannot create \"" + c.name() + "\": permission bits 0x"
                    + Integer.toHexString(c.perm() & ~CREATABLE_BITS) + " are not supported");
        }
        if ((c.mode() & ~(3 | P9.OTRUNC | P9.ORCLOSE)) != 0) {
            throw new StyxException("bad open mode " + c.mode());
        }
        if ((c.perm() & P9.DMDIR) != 0 && ((c.mode() & 3) != P9.OREAD || (c.mode() & P9.OTRUNC) != 0)) {
            throw new StyxException("cannot create a directory open for writing");
        }
        f.opening = true;
        return call(req, dir::stat).thenCompose(d -> {
            if (!permits(d, f.caller.user(), 2)) {
                throw new StyxException(Errors.PERMISSION);
            }
            return call(req, () -> dir.create(c.name(), c.perm(), c.mode(), f.caller));
        }).handle((handle, e) -> {
            adopt(req, f, handle, e, c.mode(), handle == null ? f.path : f.path.down(handle.node()));
            return new Rmessage.Create(c.tag(), handle.node().qid(), iounit());
        });
    }

    // ------------------------------------------------------------------ read and write

    private CompletableFuture<Rmessage> read(Request req, Tmessage.Read r) {
        Fid f = fid(r.fid());
        if (!f.isOpen()) {
            throw new StyxException(Errors.NOT_OPEN);
        }
        if ((f.openMode & 3) == P9.OWRITE) {
            throw new StyxException(Errors.NOT_READABLE);
        }
        long count = Integer.toUnsignedLong(r.count());
        if (count > iounit()) {
            throw new StyxException("read count " + count + " exceeds the iounit " + iounit());
        }
        if (r.offset() < 0) {
            throw new StyxException("read offset " + Long.toUnsignedString(r.offset()) + " is out of range");
        }
        if (f.node().isDirectory() && !f.auth) {
            return readDirectory(req, f, r);
        }
        OpenFile open = f.open;
        return call(req, () -> open.read(r.offset(), (int) count)).thenApply(data -> {
            if (data.length > count) {
                throw new IllegalStateException("read handler returned " + data.length + " bytes for a count of "
                        + count);
            }
            return new Rmessage.Read(r.tag(), data);
        });
    }

    /** Directory data is whole stat entries; the listing is taken at offset 0 and read in order. */
    private CompletableFuture<Rmessage> readDirectory(Request req, Fid f, Tmessage.Read r) {
        if (r.offset() == 0) {
            return call(req, () -> f.node().list(f.caller)).thenApply(dirs -> {
                List<byte[]> entries = new ArrayList<>(dirs.size());
                for (Dir d : dirs) {
                    ByteBuf b = Unpooled.buffer(StyxWire.dirSize(d));
                    StyxWire.writeDir(b, d);
                    entries.add(b.array().length == b.readableBytes() ? b.array() : java.util.Arrays.copyOf(
                            b.array(), b.readableBytes()));
                }
                f.dirEntries = entries;
                f.dirIndex = 0;
                f.dirOffset = 0;
                return nextDirectoryChunk(f, r);
            });
        }
        if (f.dirEntries == null || r.offset() != f.dirOffset) {
            throw new StyxException(Errors.BAD_DIR_OFFSET);
        }
        return CompletableFuture.completedFuture(nextDirectoryChunk(f, r));
    }

    private Rmessage nextDirectoryChunk(Fid f, Tmessage.Read r) {
        int count = r.count();
        int n = 0;
        int end = f.dirIndex;
        while (end < f.dirEntries.size() && n + f.dirEntries.get(end).length <= count) {
            n += f.dirEntries.get(end).length;
            end++;
        }
        if (end == f.dirIndex && end < f.dirEntries.size()) {
            throw new StyxException("read count " + count + " is too small for a directory entry of "
                    + f.dirEntries.get(end).length + " bytes");
        }
        byte[] data = new byte[n];
        int at = 0;
        for (int i = f.dirIndex; i < end; i++) {
            byte[] e = f.dirEntries.get(i);
            System.arraycopy(e, 0, data, at, e.length);
            at += e.length;
        }
        f.dirIndex = end;
        f.dirOffset += n;
        return new Rmessage.Read(r.tag(), data);
    }

    private CompletableFuture<Rmessage> write(Request req, Tmessage.Write w) {
        Fid f = fid(w.fid());
        if (!f.isOpen()) {
            throw new StyxException(Errors.NOT_OPEN);
        }
        if (f.node().isDirectory() && !f.auth) {
            throw new StyxException(Errors.IS_DIR);
        }
        int mode = f.openMode & 3;
        if (mode != P9.OWRITE && mode != P9.ORDWR) {
            throw new StyxException(Errors.NOT_WRITABLE);
        }
        if (w.data().length > iounit()) {
            throw new StyxException("write count " + w.data().length + " exceeds the iounit " + iounit());
        }
        if (w.offset() < 0 || w.offset() > Long.MAX_VALUE - w.data().length) {
            throw new StyxException("write offset " + Long.toUnsignedString(w.offset()) + " is out of range");
        }
        OpenFile open = f.open;
        return call(req, () -> open.write(w.offset(), w.data())).thenApply(n -> {
            if (n < 0 || n > w.data().length) {
                throw new IllegalStateException("write handler reported " + n + " bytes of " + w.data().length);
            }
            return new Rmessage.Write(w.tag(), n);
        });
    }

    // ------------------------------------------------------------------ clunk, remove, stat, wstat

    private CompletableFuture<Rmessage> clunk(Tmessage.Clunk c) {
        Fid f = fid(c.fid());
        fids.remove(c.fid());
        release(f);
        return CompletableFuture.completedFuture(new Rmessage.Clunk(c.tag()));
    }

    private CompletableFuture<Rmessage> remove(Request req, Tmessage.Remove r) {
        Fid f = fid(r.fid());
        // remove(5): the fid is clunked whether or not the remove succeeds.
        fids.remove(r.fid());
        int mode = f.openMode;
        f.openMode = mode & ~P9.ORCLOSE;
        release(f);
        if (f.auth) {
            throw new StyxException(Errors.PERMISSION);
        }
        return mayRemove(req, f).thenCompose(x -> call(req, () -> f.node().remove(f.caller)))
                .thenApply(x -> new Rmessage.Remove(r.tag()));
    }

    /** remove(5): removing needs write permission in the parent; the root has none to give. */
    private CompletableFuture<Void> mayRemove(Request req, Fid f) {
        Fid.Path parent = f.path.parent();
        if (parent == null) {
            return StyxException.failed(Errors.PERMISSION);
        }
        return call(req, () -> parent.node().stat()).thenAccept(d -> {
            if (!permits(d, f.caller.user(), 2)) {
                throw new StyxException(Errors.PERMISSION);
            }
        });
    }

    private CompletableFuture<Rmessage> stat(Request req, Tmessage.Stat s) {
        Fid f = fid(s.fid());
        return call(req, () -> f.node().stat()).thenApply(d -> new Rmessage.Stat(s.tag(), d));
    }

    private CompletableFuture<Rmessage> wstat(Request req, Tmessage.Wstat w) {
        Fid f = fid(w.fid());
        Dir d = w.dir();
        Node node = f.node();
        if (d.type() != 0xFFFF || d.dev() != -1) {
            throw new StyxException("wstat cannot change a file's type or device");
        }
        Qid q = d.qid();
        if (!(q.type() == 0xFF && q.version() == -1 && q.path() == -1) && !q.equals(node.qid())) {
            throw new StyxException("wstat cannot change a file's qid");
        }
        if (d.mode() != -1 && ((d.mode() & P9.DMDIR) != 0) != node.isDirectory()) {
            throw new StyxException("wstat cannot change whether a file is a directory");
        }
        // As for create: no special files, and a node should not have to drop bits it cannot keep.
        if (d.mode() != -1 && (d.mode() & ~CREATABLE_BITS) != 0) {
            throw new StyxException("wstat: permission bits 0x" + Integer.toHexString(d.mode() & ~CREATABLE_BITS)
                    + " are not supported");
        }
        if (!d.name().isEmpty()) {
            checkName(d.name());
            if (d.name().equals("..")) {
                throw new StyxException(Errors.BAD_NAME + ": \"..\"");
            }
            if (f.path.parent() == null) {
                throw new StyxException("cannot rename the root");
            }
        }
        if (d.length() != -1 && node.isDirectory() && d.length() != 0) {
            throw new StyxException("cannot set the length of a directory");
        }
        return call(req, () -> node.wstat(d, f.caller)).thenApply(x -> new Rmessage.Wstat(w.tag()));
    }
}
