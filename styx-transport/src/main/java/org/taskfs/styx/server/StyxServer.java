package org.taskfs.styx.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.auth.KernelIdentity;
import org.taskfs.styx.auth.Principal;
import org.taskfs.styx.auth.ServerAuth;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

/** A listening 9P2000 server: one {@link FileServer} behind a TCP port or a Unix socket. */
public final class StyxServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StyxServer.class.getName());

    static {
        // A log record's time needs the time-zone database, which is read from a file the first time: here,
        // while descriptors are to be had. Read first by a server out of descriptors, it would fail (and stay
        // failed for the life of the JVM), and so would every log line, and the answer behind the first one.
        java.time.ZoneId.systemDefault();
    }

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Channel listener;
    private final DialAddress address;
    private final ChannelGroup connections;
    /** The identity of the Unix socket this server put in place, removed on shutdown if still there. */
    private final Object socketKey;

    /** Connection ids are unique in the JVM: one file server may listen on several addresses. */
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    private StyxServer(EventLoopGroup group, boolean ownsGroup, Channel listener, DialAddress address,
                       ChannelGroup connections, Object socketKey) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.listener = listener;
        this.address = address;
        this.connections = connections;
        this.socketKey = socketKey;
    }

    /**
     * Listens on {@code at} (port 0 picks a free port) with a group of its own. A Unix socket is created
     * mode 0600, or 0660 with {@link ServerOptions#socketGroup()}, and replaces only a stale socket.
     *
     * @throws IllegalArgumentException when the auth method cannot work (a key file others may read)
     * @throws IllegalStateException when the address cannot be listened on, saying why
     */
    public static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options) {
        return listen(at, fs, options, Transport.newGroup(0, "styx-server"), true);
    }

    /** Listens on {@code at} using a caller's event-loop group, which the caller shuts down. */
    public static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options, EventLoopGroup group) {
        return listen(at, fs, options, group, false);
    }

    private static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options, EventLoopGroup group,
                                     boolean ownsGroup) {
        ChannelGroup connections = new DefaultChannelGroup("styx-connections", GlobalEventExecutor.INSTANCE);
        Optional<ServerAuth> auth;
        UnixSocketPlace place = null;
        try {
            auth = ServerAuth.of(options.auth());
            if (at.kind() == DialAddress.Kind.UNIX) {
                place = UnixSocketPlace.prepare(at.path());
            }
        } catch (RuntimeException e) {
            if (ownsGroup) {
                group.shutdownGracefully();
            }
            throw e;
        }
        String unixName = at.kind() == DialAddress.Kind.UNIX ? at.toString() : null;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel(at))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeHighWaterMark() / 2, options.writeHighWaterMark()))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ConnectionInfo info = new ConnectionInfo(CONNECTION_IDS.incrementAndGet(),
                                unixName != null ? unixName : describe(ch), KernelIdentity.peerUid(ch));
                        CompletableFuture<Optional<Principal>> kernel = KernelIdentity.of(ch);
                        if (!kernel.isDone()) {
                            // Nothing is read until the kernel has said who the peer is, so requests are
                            // served in order as they come and an attach never waits on the lookup.
                            ch.config().setAutoRead(false);
                            kernel.whenComplete((p, e) -> ch.eventLoop().execute(() -> ch.config().setAutoRead(true)));
                        }
                        StyxFrameDecoder decoder = new StyxFrameDecoder(true, StyxFrameDecoder.PRE_VERSION_LIMIT);
                        ch.pipeline().addLast(
                                new FlushConsolidationHandler(256, true),
                                decoder,
                                StyxEncoder.INSTANCE,
                                new StyxConnection(fs, options, info, decoder, auth, kernel));
                    }
                });
        if (at.kind() == DialAddress.Kind.TCP) {
            b.childOption(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_REUSEADDR, true);
        }
        SocketAddress bindTo = place != null ? new DomainSocketAddress(place.bindPath().toFile()) : at.toSocketAddress();
        Channel ch = null;
        Object socketKey = null;
        try {
            ch = b.bind(bindTo).syncUninterruptibly().channel();
            if (place != null) {
                socketKey = place.install(options.socketGroup());
            }
        } catch (Exception e) { // the native transport's bind failure is an IOException, thrown unchecked
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
            if (place != null) {
                place.cleanUp();
            }
            if (ownsGroup) {
                group.shutdownGracefully();
            }
            if (e instanceof IllegalStateException && e.getMessage() != null && e.getMessage().contains("listen on")) {
                throw e;
            }
            throw new IllegalStateException("cannot listen on " + at + ": " + org.taskfs.styx.util.Failures.text(e), e);
        }
        DialAddress bound = at;
        if (ch.localAddress() instanceof InetSocketAddress isa) {
            bound = DialAddress.tcp(at.host(), isa.getPort());
        }
        LOG.log(System.Logger.Level.DEBUG, "listening on {0}", bound);
        return new StyxServer(group, ownsGroup, ch, bound, connections, socketKey);
    }

    private static String describe(Channel ch) {
        if (ch.remoteAddress() instanceof InetSocketAddress isa) {
            return "tcp!" + isa.getHostString() + "!" + isa.getPort();
        }
        return "unix!" + ch.localAddress();
    }

    /** The address actually bound (the real port when 0 was asked for). */
    public DialAddress address() {
        return address;
    }

    private CompletableFuture<Void> shutdown;

    /** Stops listening and drops every connection; completes when all is shut. Idempotent. */
    public synchronized CompletableFuture<Void> shutdown() {
        if (shutdown != null) {
            // A second close must not touch a group that is already gone: its tasks would never run.
            return shutdown;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        shutdown = done;
        listener.close().addListener(l -> connections.close().addListener(f -> {
            if (socketKey != null) {
                UnixSocketPlace.removeIfOurs(address.path().toAbsolutePath(), socketKey);
            }
            if (ownsGroup) {
                group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS)
                        .addListener(g -> done.complete(null));
            } else {
                done.complete(null);
            }
        }));
        return done;
    }

    @Override
    public void close() {
        shutdown().join();
    }

    /** Connections open now. */
    public int connectionCount() {
        return connections.size();
    }
}
