package org.taskfs.cli;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxConnectionException;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.auth.KernelIdentity;
import org.taskfs.styx.auth.Principal;
import org.taskfs.styx.codec.BadMessage;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;

/**
 * One local client of the relay. Its Tversion is answered once the relay has its own connection to the
 * server, negotiated at the client's msize and authenticated ({@link Relay#login}); after that every
 * request goes up that connection with an upstream tag and fid ({@link Relayed}) and its reply comes back
 * under the client's tag. Tauth is answered here: the relay has authenticated for the client.
 *
 * <p>Message by message rather than byte for byte, so that StyxClient does the authentication; the
 * price is in {@link #flush}. All state is touched on the client channel's event loop only.
 */
final class RelayConnection extends ChannelInboundHandlerAdapter {
    /** How long a refused client may take to send the message its refusal answers. */
    private static final Duration REFUSAL_WAIT = Duration.ofSeconds(10);

    private final Relay relay;
    private final StyxFrameDecoder decoder;
    private Channel ch;
    /** Why this client is refused, or null. */
    private String refusal;

    /** Counts Tversions: each starts a session afresh, and the answers of an older one are dropped. */
    private int session;
    private boolean connecting;
    private StyxClient upstream;
    /** The same connection with no timeout: the client decides how long a read of stdout may wait. */
    private StyxClient forwarding;
    private final Map<Integer, Pending> pending = new HashMap<>();

    /** A request sent upstream, until its reply is passed back. */
    private static final class Pending {
        final Tmessage request;
        final int session;
        CompletableFuture<?> call;
        /** Tags of Tflushes to be answered right after this request's reply. */
        List<Integer> flushes;
        /** Flushed upstream: the client expects no reply any more. */
        boolean dropped;

        Pending(Tmessage request, int session) {
            this.request = request;
            this.session = session;
        }
    }

    RelayConnection(Relay relay, StyxFrameDecoder decoder) {
        this.relay = relay;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ch = ctx.channel();
        // Nothing is read until the kernel has said who the peer is: requests stay in order, none unchecked.
        ch.config().setAutoRead(false);
        KernelIdentity.of(ch).whenComplete((p, e) -> ch.eventLoop().execute(() -> {
            admit(ctx, p == null ? Optional.empty() : p);
            ch.config().setAutoRead(true);
        }));
        ctx.fireChannelActive();
    }

    /** Lets in the relay's own user alone; anyone else hears why, in answer to their first message. */
    private void admit(ChannelHandlerContext ctx, Optional<Principal> peer) {
        int own = relay.config().uid();
        if (peer.isEmpty() || peer.get().uid() != own) {
            String who = peer.isPresent() ? "uid " + peer.get().uid() : "a peer the kernel does not name";
            refusal = "taskfs relay: refused: this relay serves uid " + own + " (" + relay.config().user()
                    + ") only, and this connection is from " + who + "; each user runs their own relay";
            relay.log("taskfs relay: refused a connection from " + who);
            // The refusal answers the client's first message (its Tversion); one that sends none is not waited for.
            ctx.executor().schedule((Runnable) ch::close, REFUSAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BadMessage bad) {
            if (refusal != null) {
                ch.writeAndFlush(new Rmessage.Error(bad.tag(), refusal)).addListener(ChannelFutureListener.CLOSE);
            } else {
                error(bad.tag(), bad.reason());
            }
            return;
        }
        if (!(msg instanceof Tmessage t)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (refusal != null) {
            ch.writeAndFlush(new Rmessage.Error(t.tag(), refusal)).addListener(ChannelFutureListener.CLOSE);
        } else if (t instanceof Tmessage.Version v) {
            version(v);
        } else if (upstream == null) {
            error(t.tag(), connecting ? "Tversion is not answered yet" : "Tversion must come first");
        } else if (pending.containsKey(t.tag())) {
            error(t.tag(), "tag " + t.tag() + " is already in use");
        } else if (t instanceof Tmessage.Auth) {
            // As a server that needs no authentication says it, so 9p and Inferno go on to attach without.
            error(t.tag(), "authentication not required: the relay has authenticated to " + relay.config().to()
                    + " as " + relay.config().user());
        } else if (t instanceof Tmessage.Flush f) {
            flush(f);
        } else {
            forward(t);
        }
    }

    private void version(Tmessage.Version v) {
        endSession();
        long asked = Integer.toUnsignedLong(v.msize());
        if (asked < P9.MIN_MSIZE) {
            error(v.tag(), "msize " + asked + " is too small; at least " + P9.MIN_MSIZE + " is needed");
            return;
        }
        if (!v.version().startsWith(P9.VERSION)) {
            ch.writeAndFlush(new Rmessage.Version(v.tag(), (int) Math.min(asked, P9.MAX_MSIZE), "unknown"));
            return;
        }
        int mine = session;
        connecting = true;
        updateReading();
        relay.login((int) Math.min(asked, P9.MAX_MSIZE))
                .whenComplete((c, e) -> ch.eventLoop().execute(() -> loggedIn(v, mine, c, e)));
    }

    private void loggedIn(Tmessage.Version v, int mine, StyxClient c, Throwable e) {
        if (mine != session || !ch.isActive()) {
            if (c != null) {
                c.close();
            }
            return;
        }
        connecting = false;
        if (e != null) {
            String why = "taskfs relay: " + relay.loginFailure(e);
            relay.log(why);
            ch.writeAndFlush(new Rmessage.Error(v.tag(), why)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        upstream = c;
        forwarding = c.withTimeout(Duration.ZERO);
        c.closeFuture().thenRun(() -> ch.eventLoop().execute(() -> {
            if (upstream == c) {
                relay.log("taskfs relay: the connection to " + relay.config().to() + " was lost");
                ch.close();
            }
        }));
        // The client may use all of the msize the server agreed to, and no more.
        decoder.maxFrameSize(c.msize());
        ch.writeAndFlush(new Rmessage.Version(v.tag(), c.msize(), P9.VERSION));
        updateReading();
    }

    private void forward(Tmessage t) {
        Pending p = new Pending(t, session);
        pending.put(t.tag(), p);
        String uname = relay.config().user();
        CompletableFuture<Rmessage> call = forwarding.rpc(tag -> Relayed.upstream(t, tag, uname));
        p.call = call;
        call.whenComplete((r, e) -> ch.eventLoop().execute(() -> answered(p, r, e)));
    }

    private void answered(Pending p, Rmessage r, Throwable e) {
        if (p.session != session || p.dropped) {
            return;
        }
        int tag = p.request.tag();
        pending.remove(tag, p);
        if (e == null) {
            ch.write(Relayed.downstream(r, tag, ch.alloc()));
        } else {
            Throwable cause = Futures.cause(e);
            // The server's own words when it refused; ours when the relay could not even ask.
            ch.write(new Rmessage.Error(tag, cause instanceof StyxRemoteException x ? x.error()
                    : "taskfs relay: " + Failures.text(cause)));
            if (cause instanceof StyxConnectionException) {
                ch.flush();
                ch.close();
                return;
            }
        }
        if (p.flushes != null) {
            for (int f : p.flushes) {
                ch.write(new Rmessage.Flush(f));
            }
        }
        ch.flush();
    }

    /**
     * A read or write may wait upstream for as long as a task runs, so its flush is passed on (cancelling
     * the call sends Tflush) and Rflush goes back at once; a reply that crosses that flush upstream is lost,
     * which the client takes as the flush having won (it reads again from the same offset). Anything else
     * is answered soon: it is let finish and its reply goes back before the Rflush, as flush(5) allows, so
     * a fid made by a walk or an open is never hidden from the client.
     */
    private void flush(Tmessage.Flush f) {
        Pending old = pending.get(f.oldtag());
        if (old == null) {
            ch.writeAndFlush(new Rmessage.Flush(f.tag()));
        } else if (Relayed.mayBlock(old.request)) {
            old.dropped = true;
            pending.remove(f.oldtag());
            old.call.cancel(true);
            ch.writeAndFlush(new Rmessage.Flush(f.tag()));
        } else {
            if (old.flushes == null) {
                old.flushes = new ArrayList<>();
            }
            old.flushes.add(f.tag());
        }
    }

    /** Drops the current session: its connection upstream (where the server clunks its fids) and its requests. */
    private void endSession() {
        session++;
        connecting = false;
        pending.clear();
        if (upstream != null) {
            StyxClient c = upstream;
            upstream = null;
            forwarding = null;
            c.close();
        }
    }

    private void error(int tag, String text) {
        ch.writeAndFlush(new Rmessage.Error(tag, text));
    }

    /** Nothing is read while logging in, or while the client is not reading its replies. */
    private void updateReading() {
        ch.config().setAutoRead(!connecting && ch.isWritable());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endSession();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof DecoderException)) {
            relay.log("taskfs relay: a client connection failed: " + Failures.text(cause));
        }
        ch.close();
    }
}
