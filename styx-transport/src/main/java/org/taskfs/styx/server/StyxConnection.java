package org.taskfs.styx.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.auth.Principal;
import org.taskfs.styx.auth.ServerAuth;
import org.taskfs.styx.codec.BadMessage;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.codec.Utf8Cut;

/**
 * One client connection on the channel's side: it hands decoded requests to its
 * {@link Dispatcher}, writes the replies (cut to fit the msize), holds requests back while the
 * client does not read its replies, drops clients that stall inside a frame, and cleans up when
 * the client goes. All state is confined to the channel's event loop.
 */
final class StyxConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(StyxConnection.class.getName());

    private final FileServer server;
    private final ServerOptions options;
    private final ConnectionInfo info;
    private final StyxFrameDecoder decoder;

    private ChannelHandlerContext ctx;
    private Dispatcher dispatcher;
    private ScheduledFuture<?> partialFrameCheck;
    private int partialFrameStrikes;
    /**
     * Requests already decoded while the client was not reading its replies. One read can hold
     * thousands of small requests, each of which may produce a large reply, so they wait here
     * until the replies drain instead of being served all at once.
     */
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private boolean draining;

    private final Optional<ServerAuth> auth;
    private final CompletableFuture<Optional<Principal>> kernel;

    /** A connection whose peer nobody identifies, on a server without an auth method (tests). */
    StyxConnection(FileServer server, ServerOptions options, ConnectionInfo info, StyxFrameDecoder decoder) {
        this(server, options, info, decoder, Optional.empty(), CompletableFuture.completedFuture(Optional.empty()));
    }

    StyxConnection(FileServer server, ServerOptions options, ConnectionInfo info, StyxFrameDecoder decoder,
                   Optional<ServerAuth> auth, CompletableFuture<Optional<Principal>> kernel) {
        this.server = server;
        this.options = options;
        this.info = info;
        this.decoder = decoder;
        this.auth = auth;
        this.kernel = kernel;
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.dispatcher = new Dispatcher(server, options, info, ctx.executor(), this::reply, (limit, dialect) -> {
            decoder.maxFrameSize(limit);
            decoder.dialect(dialect);
            ctx.channel().attr(Dialect.CHANNEL).set(dialect);
        }, auth, kernel);
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
            reply(dispatcher.error(bad.tag(), bad.reason()));
        } else if (msg instanceof Tmessage t) {
            dispatcher.receive(t);
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
        dispatcher.abortAll();
        try {
            server.disconnected(info);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "disconnect handler failed", e);
        }
        ctx.fireChannelInactive();
    }

    private void reply(Rmessage r) {
        ctx.writeAndFlush(fit(r), ctx.voidPromise());
    }

    /**
     * A reply larger than msize makes the client drop the connection, and one that cannot be encoded
     * (a string over 65,535 bytes) would fail in the encoder, leave the request unanswered and close
     * the channel: a whole shared mount lost to one long input echoed in an error. So every reply is
     * measured; an Rerror too long is cut with "…", any other reply that does not fit becomes an Rerror.
     */
    private Rmessage fit(Rmessage r) {
        int limit = dispatcher.msize() == 0 ? StyxFrameDecoder.PRE_VERSION_LIMIT : dispatcher.msize();
        long size;
        try {
            size = StyxWire.size(r, dispatcher.dialect());
        } catch (RuntimeException e) {
            size = Long.MAX_VALUE;
        }
        if (size <= limit) {
            return r;
        }
        if (r instanceof Rmessage.Error e) {
            int errno = dispatcher.dialect().unixFields() ? 4 : 0;
            return new Rmessage.Error(e.tag(), Utf8Cut.cut(e.ename(), maxEname(limit) - errno), e.errno());
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: a {1} reply does not fit msize {2}", info.remoteAddress(),
                r.type(), limit);
        String what = r instanceof Rmessage.Stat ? "stat entry" : "reply";
        return dispatcher.error(r.tag(), what + " does not fit the msize " + limit);
    }

    /** Most bytes of an Rerror's string: what msize leaves after size[4] type[1] tag[2] n[2], and 16 bits. */
    static int maxEname(int msize) {
        return Math.min(msize - P9.HEADER_SIZE - 2, Utf8Cut.MAX_STRING);
    }
}
