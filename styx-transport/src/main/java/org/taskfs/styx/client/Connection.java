package org.taskfs.styx.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.taskfs.styx.codec.MessageType;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

/**
 * One 9P2000 connection: tag allocation, matching replies to requests, timeouts, flushes and
 * failure. All of its mutable request state is touched only on the channel's event loop, so there
 * are no locks on the request path: other threads hand requests over with {@code execute}.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    /**
     * Told exactly once how a request ended, after the server can no longer act on it: the reply, or
     * null if none came (never sent, flushed first, connection gone); {@code delivered} says whether
     * the caller's future got that reply (false if it had been cancelled or had timed out). Used to
     * release fids that a request creates even when nobody is waiting for the answer any more.
     */
    interface Settle {
        void settled(Rmessage reply, boolean delivered);
    }

    final DialAddress address;
    final ClientOptions options;
    /** The client half of options.auth(), made (the key read) on the first attach that needs it. */
    private org.taskfs.styx.auth.ClientAuth clientAuth;
    final FidPool fids = new FidPool();
    private final EventLoopGroup ownedGroup;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    /** The shared attach used by path operations, made on first use. */
    /** The shared attach root of each user the client's views act for (see {@link StyxClient#as}). */
    final java.util.concurrent.ConcurrentMap<String, CompletableFuture<RemoteFid.State>> roots =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Channel channel;
    private EventLoop loop;
    private StyxFrameDecoder decoder;
    private volatile int msize;
    /** Set once, on the loop, when the connection ends; every later request fails with it. */
    private volatile StyxConnectionException closed;

    // ---- event-loop confined
    /**
     * Requests take tags 0..maxTags-1; the tags after those, as many again where the tag space allows, are kept
     * for Tflush, so that requests holding every request tag (reads parked on the server) can still be flushed.
     */
    private final Call[] slots;
    private final int requestTags;
    private int nextTag;
    private int nextFlushTag;
    /** Tags in use below requestTags (requests, and flushes when the reserve is full), and above it. */
    private int requestTagsInUse;
    private int reserveInUse;
    /** Requests waiting for a free tag, in order; flushes go first. */
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushNow;
    private CompletableFuture<Connection> handshake;
    private ScheduledFuture<?> handshakeTimer;

    private Connection(DialAddress address, ClientOptions options, EventLoopGroup ownedGroup,
                       CompletableFuture<Connection> handshake) {
        this.address = address;
        this.options = options;
        this.ownedGroup = ownedGroup;
        this.handshake = handshake;
        this.requestTags = options.maxTags();
        this.slots = new Call[Math.min(ClientOptions.MAX_TAGS, 2 * requestTags)];
        this.nextFlushTag = requestTags;
    }

    // ------------------------------------------------------------------ connecting

    static CompletableFuture<Connection> open(DialAddress address, ClientOptions options) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        EventLoopGroup owned = null;
        try {
            EventLoopGroup group = options.group();
            if (group == null) {
                group = owned = Transport.newClientGroup("styx-client", List.of(address));
            }
            Class<? extends Channel> type = Transport.clientChannel(address, group);
            Connection conn = new Connection(address, options, owned, result);
            Bootstrap b = new Bootstrap().group(group).channel(type).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    conn.init(ch);
                }
            });
            long connectMillis = options.connectTimeout().toMillis();
            b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis));
            if (address.kind() == DialAddress.Kind.TCP) {
                b.option(ChannelOption.TCP_NODELAY, true);
            }
            b.connect(address.toSocketAddress()).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    conn.sendVersion();
                } else {
                    conn.failHandshake(new StyxConnectionException(
                            "cannot connect to " + address + ": " + describeRefusal(f.cause()), f.cause()));
                    if (conn.channel == null) {
                        // never registered, so no close listener will shut the owned group down
                        conn.shutDownOwnedGroup();
                    }
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(new StyxConnectionException(
                    "cannot connect to " + address + ": " + describe(e), e));
            if (owned != null) {
                owned.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
        return result;
    }

    private void init(Channel ch) {
        channel = ch;
        loop = ch.eventLoop();
        decoder = new StyxFrameDecoder(false, StyxFrameDecoder.PRE_VERSION_LIMIT);
        ch.pipeline().addLast("styx-decoder", decoder);
        ch.pipeline().addLast("styx-encoder", StyxEncoder.INSTANCE);
        ch.pipeline().addLast("styx-client", this);
        ch.closeFuture().addListener(f -> shutDownOwnedGroup());
    }

    private void shutDownOwnedGroup() {
        if (ownedGroup == null) {
            closeFuture.complete(null);
        } else {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(f -> closeFuture.complete(null));
        }
    }

    /** On the loop, once the transport is connected. */
    private void sendVersion() {
        if (handshake == null) {
            return; // already failed (the channel went inactive first)
        }
        long nanos = options.connectTimeout().toNanos();
        if (nanos > 0) {
            handshakeTimer = loop.schedule(() -> failHandshake(new StyxConnectionException("server at " + address
                    + " did not answer Tversion within " + format(nanos))), nanos, TimeUnit.NANOSECONDS);
        }
        channel.writeAndFlush(new Tmessage.Version(P9.NOTAG, options.msize(), P9.VERSION), channel.voidPromise());
    }

    private void onVersion(Rmessage r) {
        String problem = null;
        if (r.tag() != P9.NOTAG) {
            problem = "connection to " + address + ": malformed reply: " + typeName(r.type()) + " with tag "
                    + r.tag() + " before the version handshake ended";
        } else if (r instanceof Rmessage.Error e) {
            problem = "server at " + address + " refused version " + P9.VERSION + ": " + e.ename();
        } else if (r instanceof Rmessage.Version v) {
            if (v.version().equals("unknown")) {
                problem = "server at " + address + " does not speak " + P9.VERSION + " (it answered version \"unknown\")";
            } else if (!v.version().equals(P9.VERSION)) {
                problem = "server at " + address + " answered version \"" + v.version() + "\"; only "
                        + P9.VERSION + " is spoken here";
            } else if (Integer.compareUnsigned(v.msize(), P9.MIN_MSIZE) < 0) {
                problem = "server at " + address + " offered msize " + Integer.toUnsignedString(v.msize())
                        + ", below the minimum " + P9.MIN_MSIZE;
            } else if (Integer.compareUnsigned(v.msize(), options.msize()) > 0) {
                problem = "server at " + address + " answered msize " + Integer.toUnsignedString(v.msize())
                        + ", larger than the " + options.msize() + " asked for";
            } else {
                msize = v.msize();
                decoder.maxFrameSize(msize);
                CompletableFuture<Connection> h = handshake;
                handshake = null;
                if (handshakeTimer != null) {
                    handshakeTimer.cancel(false);
                }
                if (!h.complete(this)) {
                    close(); // the caller gave up on connecting
                }
                return;
            }
        } else {
            problem = "connection to " + address + ": malformed reply: " + typeName(r.type()) + " in answer to Tversion";
        }
        failHandshake(new StyxConnectionException(problem));
    }

    private void failHandshake(StyxConnectionException e) {
        CompletableFuture<Connection> h = handshake;
        if (h == null) {
            return;
        }
        handshake = null;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        closed = e;
        if (channel != null) {
            channel.close();
        }
        h.completeExceptionally(e);
    }

    // ------------------------------------------------------------------ the request path

    int msize() {
        return msize;
    }

    synchronized org.taskfs.styx.auth.ClientAuth clientAuth() {
        if (clientAuth == null) {
            clientAuth = org.taskfs.styx.auth.ClientAuth.of(options.auth());
        }
        return clientAuth;
    }

    boolean isOpen() {
        return closed == null && channel.isActive();
    }

    CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** Sends a request built for the tag it is given; may be called from any thread. */
    Call send(IntFunction<Tmessage> factory, long timeoutNanos, Settle settle) {
        Call c = new Call(this, factory, timeoutNanos, settle);
        StyxConnectionException x = closed;
        if (x != null) {
            fail(c, x);
        } else if (loop.inEventLoop()) {
            start(c);
        } else {
            try {
                loop.execute(() -> start(c));
            } catch (RejectedExecutionException e) {
                fail(c, closedOr("closed"));
            }
        }
        return c;
    }

    private StyxConnectionException closedOr(String what) {
        StyxConnectionException x = closed;
        return x != null ? x : new StyxConnectionException("connection to " + address + " " + what);
    }

    private void start(Call c) {
        if (c.isDone() || c.abandoned) {
            c.settle(null, false); // cancelled before it could be sent
            return;
        }
        if (closed != null) {
            fail(c, closed);
            return;
        }
        if (c.timeoutNanos > 0 && c.timer == null) {
            c.timer = loop.schedule(() -> timedOut(c), c.timeoutNanos, TimeUnit.NANOSECONDS);
        }
        boolean flush = c.flushOf != null;
        if (!hasTagFor(c) || (!flush && !waiting.isEmpty())) {
            if (flush) {
                waiting.addFirst(c);
            } else {
                waiting.addLast(c);
            }
            return;
        }
        dispatch(c);
    }

    /** A Tflush may take any free tag; a request only one of the request tags. */
    private boolean hasTagFor(Call c) {
        return requestTagsInUse < requestTags || (c.flushOf != null && reserveInUse < slots.length - requestTags);
    }

    private void dispatch(Call c) {
        boolean flush = c.flushOf != null;
        // A flush takes a flush tag while one is free, else (no reserve, or all taken) a request tag.
        boolean reserve = flush && reserveInUse < slots.length - requestTags;
        int from = reserve ? requestTags : 0;
        int to = reserve ? slots.length : requestTags;
        int tag = reserve ? nextFlushTag : nextTag;
        while (slots[tag] != null) {
            tag = tag + 1 == to ? from : tag + 1;
        }
        // Rolling on rather than taking the lowest free tag keeps a just-freed tag out of use for a
        // while, so a late or duplicated reply is caught as "unknown tag" instead of misdelivered.
        if (reserve) {
            nextFlushTag = tag + 1 == to ? from : tag + 1;
        } else {
            nextTag = tag + 1 == to ? from : tag + 1;
        }
        Tmessage m;
        try {
            m = c.factory.apply(tag);
            check(c, m, tag);
        } catch (RuntimeException e) {
            fail(c, e);
            return;
        }
        c.tag = tag;
        c.request = m;
        slots[tag] = c;
        if (reserve) {
            reserveInUse++;
        } else {
            requestTagsInUse++;
        }
        channel.write(m, channel.voidPromise());
        if (!flushScheduled) {
            // Flushing once after the requests already queued on the loop have been written turns a
            // burst of calls from many threads into few system calls.
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void check(Call c, Tmessage m, int tag) {
        if (m == null) {
            throw new IllegalArgumentException("the request factory returned null");
        }
        if (m.tag() != tag) {
            throw new IllegalArgumentException("the request factory made " + typeName(m.type()) + " with tag "
                    + m.tag() + "; it must use the tag it is given (" + tag + ")");
        }
        if (c.flushOf == null && (m instanceof Tmessage.Version || m instanceof Tmessage.Flush)) {
            throw new IllegalArgumentException(typeName(m.type()) + " is sent by the client itself "
                    + "(version on connect, flush on cancel or timeout)");
        }
        int size = StyxWire.size(m); // also rejects strings too long for 9P
        if (size > msize) {
            throw new IllegalArgumentException(typeName(m.type()) + " of " + size + " bytes exceeds msize "
                    + msize + " of " + address);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    private void release(Call c) {
        if (c.tag >= 0 && slots[c.tag] == c) {
            slots[c.tag] = null;
            if (c.tag >= requestTags) {
                reserveInUse--;
            } else {
                requestTagsInUse--;
            }
        }
    }

    /** Gives freed tags to waiting requests. */
    private void drain() {
        while (!waiting.isEmpty() && closed == null) {
            Call w = waiting.peekFirst();
            if (w.isDone() || w.abandoned) {
                waiting.pollFirst();
                w.settle(null, false);
            } else if (hasTagFor(w)) {
                waiting.pollFirst();
                dispatch(w);
            } else {
                break;
            }
        }
    }

    private static void fail(Call c, Throwable e) {
        if (c.timer != null) {
            c.timer.cancel(false);
        }
        c.completeExceptionally(e);
        c.settle(null, false);
    }

    // ------------------------------------------------------------------ replies

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Rmessage r)) {
            ReferenceCountUtil.release(msg);
            protocolError("unexpected " + msg.getClass().getSimpleName());
            return;
        }
        if (closed != null) {
            return;
        }
        if (handshake != null) {
            onVersion(r);
            return;
        }
        int tag = r.tag();
        Call c = tag < slots.length ? slots[tag] : null;
        if (c == null || c.replied) {
            protocolError(typeName(r.type()) + " with tag " + tag + ", which no request is waiting for");
            return;
        }
        if (!(r instanceof Rmessage.Error) && r.type().code() != c.request.type().code() + 1) {
            protocolError(typeName(r.type()) + " in answer to " + typeName(c.request.type()) + " (tag " + tag + ")");
            return;
        }
        if (c.flushOf != null) {
            // Rflush: the server is done with the old request, so its tag may now be used again (flush(5)).
            Call old = c.flushOf;
            release(c);
            release(old);
            old.settle(null, false); // no-op if its reply came before the Rflush
            drain();
            return;
        }
        c.replied = true;
        if (c.timer != null) {
            c.timer.cancel(false);
        }
        boolean keepTag = c.flush != null && c.flush.tag >= 0; // a Tflush is out: wait for its Rflush
        if (!keepTag) {
            release(c);
            if (c.flush != null) {
                c.flush.complete(null); // it was still waiting for a tag: no need to send it now
            }
        }
        boolean delivered = r instanceof Rmessage.Error e
                ? c.completeExceptionally(new StyxRemoteException(e.ename()))
                : c.complete(r);
        c.settle(r, delivered);
        if (!keepTag) {
            drain();
        }
    }

    /** The caller cancelled: send Tflush, unless the request is not on the wire or already answered. */
    void abandon(Call c) {
        if (loop.inEventLoop()) {
            abandonNow(c);
        } else {
            try {
                loop.execute(() -> abandonNow(c));
            } catch (RejectedExecutionException e) {
                // the loop is gone and with it the connection; nothing to flush
            }
        }
    }

    private void abandonNow(Call c) {
        if (c.tag < 0 && c.flushOf == null) {
            // Not on the wire yet: it never will be. Its cancel may not have completed it yet, and a
            // tag given to it now would carry a request nobody flushes, holding the tag for ever.
            c.abandoned = true;
            return;
        }
        if (c.tag < 0 || c.replied || c.flush != null || c.flushOf != null || closed != null || slots[c.tag] != c) {
            return;
        }
        if (c.timer != null) {
            c.timer.cancel(false);
        }
        int oldtag = c.tag;
        Call f = new Call(this, tag -> new Tmessage.Flush(tag, oldtag), 0, null);
        f.flushOf = c;
        c.flush = f;
        start(f);
    }

    private void timedOut(Call c) {
        if (c.isDone()) {
            return;
        }
        String what = c.request == null
                ? "request waiting for one of " + requestTags + " busy tags"
                : describe(c.request);
        // Tflush first: completing the future runs the caller's cleanup (a Tclunk of the same fid,
        // typically), which should reach the server after the flush of the request it concerns.
        abandonNow(c);
        c.completeExceptionally(new TimeoutException(what + " to " + address + ": no reply within "
                + format(c.timeoutNanos)));
    }

    // ------------------------------------------------------------------ the end

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        terminate(new StyxConnectionException("connection to " + address + " lost"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            protocolError(describe(cause.getCause() != null ? cause.getCause() : cause));
        } else {
            terminate(new StyxConnectionException("connection to " + address + " lost: " + describe(cause), cause));
        }
    }

    private void protocolError(String what) {
        terminate(new StyxConnectionException("connection to " + address + ": malformed reply: " + what));
    }

    /** Closes the connection; returns at once. Idempotent. */
    void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        StyxConnectionException e = new StyxConnectionException("connection to " + address + " closed");
        if (loop.inEventLoop()) {
            terminate(e);
        } else {
            try {
                loop.execute(() -> terminate(e));
            } catch (RejectedExecutionException x) {
                // already shut down
            }
        }
    }

    private void terminate(StyxConnectionException e) {
        if (handshake != null) {
            String lost = "connection to " + address + " lost";
            String text = e.getMessage().startsWith(lost)
                    ? lost + " during the version handshake" + e.getMessage().substring(lost.length())
                    : e.getMessage() + " during the version handshake";
            failHandshake(new StyxConnectionException(text, e.getCause()));
            return;
        }
        if (closed != null) {
            return;
        }
        closed = e;
        channel.close();
        for (int t = 0; t < slots.length; t++) {
            Call c = slots[t];
            if (c != null) {
                slots[t] = null;
                fail(c, e);
            }
        }
        requestTagsInUse = 0;
        reserveInUse = 0;
        Call w;
        while ((w = waiting.pollFirst()) != null) {
            fail(w, e);
        }
    }

    // ------------------------------------------------------------------ helpers

    static String typeName(MessageType t) {
        String n = t.name();
        return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
    }

    private static String describe(Tmessage m) {
        return m.fid() == P9.NOFID ? typeName(m.type()) : typeName(m.type()) + " on fid " + Integer.toUnsignedString(m.fid());
    }

    private static String describe(Throwable t) {
        return org.taskfs.styx.util.Failures.text(t);
    }

    /** Netty's NIO transport appends ": /HOST:PORT" to a refused connection's reason; our message names it already. */
    private static String describeRefusal(Throwable t) {
        String s = describe(t);
        int at = s.lastIndexOf(": /");
        return t instanceof java.net.ConnectException && at >= 0 ? s.substring(0, at) : s;
    }

    static String format(long nanos) {
        Duration d = Duration.ofNanos(nanos);
        if (d.toMillis() % 1000 == 0 && d.toMillis() > 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() > 0 ? d.toMillis() + "ms" : d.toNanos() + "ns";
    }

    /** One request: its future, and the loop-confined bookkeeping of its tag. */
    static final class Call extends CompletableFuture<Rmessage> {
        private final Connection conn;
        final IntFunction<Tmessage> factory;
        final long timeoutNanos;
        private Settle settle;
        int tag = -1;
        Tmessage request;
        ScheduledFuture<?> timer;
        boolean replied;
        /** Cancelled or timed out before it had a tag: never to be sent. */
        boolean abandoned;
        /** The Tflush sent for this request, if any. */
        Call flush;
        /** For a Tflush: the request it flushes. */
        Call flushOf;

        Call(Connection conn, IntFunction<Tmessage> factory, long timeoutNanos, Settle settle) {
            this.conn = conn;
            this.factory = factory;
            this.timeoutNanos = timeoutNanos;
            this.settle = settle;
        }

        /** Cancelling a request flushes it (flush(5)); its tag is reused only after Rflush. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            // Queue the flush before completing, for the same order as on a timeout. If a reply wins
            // the race, abandonNow sees it and sends nothing.
            if (!isDone()) {
                conn.abandon(this);
            }
            return super.cancel(mayInterruptIfRunning);
        }

        void settle(Rmessage reply, boolean delivered) {
            Settle s = settle;
            if (s != null) {
                settle = null;
                try {
                    s.settled(reply, delivered);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "settling a request failed", e);
                }
            }
        }
    }

    /** Fid numbers: the lowest free one, so a long-lived connection's numbers stay small. */
    static final class FidPool {
        private final BitSet used = new BitSet();

        synchronized int allocate() {
            int fid = used.nextClearBit(0);
            used.set(fid);
            return fid;
        }

        synchronized void free(int fid) {
            used.clear(fid);
        }

        synchronized int inUse() {
            return used.cardinality();
        }
    }
}
