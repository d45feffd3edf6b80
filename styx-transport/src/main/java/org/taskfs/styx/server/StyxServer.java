package org.taskfs.styx.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

/** A listening 9P2000 server: one {@link FileServer} behind a TCP port or a Unix socket. */
public final class StyxServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StyxServer.class.getName());

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Channel listener;
    private final DialAddress address;
    private final ChannelGroup connections;

    private StyxServer(EventLoopGroup group, boolean ownsGroup, Channel listener, DialAddress address,
                       ChannelGroup connections) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.listener = listener;
        this.address = address;
        this.connections = connections;
    }

    /** Listens on {@code at} (port 0 picks a free port) with a group of its own. */
    public static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options) {
        return listen(at, fs, options, Transport.newGroup(0, "styx-server"), true);
    }

    /** Listens on {@code at} using a caller's event-loop group, which the caller shuts down. */
    public static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options, EventLoopGroup group) {
        return listen(at, fs, options, group, false);
    }

    private static StyxServer listen(DialAddress at, FileServer fs, ServerOptions options, EventLoopGroup group,
                                     boolean ownsGroup) {
        AtomicLong ids = new AtomicLong();
        ChannelGroup connections = new DefaultChannelGroup("styx-connections", GlobalEventExecutor.INSTANCE);
        if (at.kind() == DialAddress.Kind.UNIX) {
            try {
                // A socket file left by a server that died would make bind fail.
                Files.deleteIfExists(at.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove stale socket " + at.path(), e);
            }
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel(at))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeHighWaterMark() / 2, options.writeHighWaterMark()))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ConnectionInfo info = new ConnectionInfo(ids.incrementAndGet(), describe(ch), peerUid(ch));
                        StyxFrameDecoder decoder = new StyxFrameDecoder(true, StyxFrameDecoder.PRE_VERSION_LIMIT);
                        ch.pipeline().addLast(
                                new FlushConsolidationHandler(256, true),
                                decoder,
                                StyxEncoder.INSTANCE,
                                new StyxConnection(fs, options, info, decoder));
                    }
                });
        if (at.kind() == DialAddress.Kind.TCP) {
            b.childOption(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_REUSEADDR, true);
        }
        Channel ch;
        try {
            ch = b.bind(at.toSocketAddress()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (ownsGroup) {
                group.shutdownGracefully();
            }
            throw new IllegalStateException("cannot listen on " + at + ": " + e.getMessage(), e);
        }
        DialAddress bound = at;
        if (ch.localAddress() instanceof InetSocketAddress isa) {
            bound = DialAddress.tcp(at.host(), isa.getPort());
        }
        LOG.log(System.Logger.Level.DEBUG, "listening on {0}", bound);
        return new StyxServer(group, ownsGroup, ch, bound, connections);
    }

    private static String describe(Channel ch) {
        if (ch.remoteAddress() instanceof InetSocketAddress isa) {
            return "tcp!" + isa.getHostString() + "!" + isa.getPort();
        }
        return "unix!" + ch.localAddress();
    }

    private static OptionalInt peerUid(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel unix) {
            try {
                return OptionalInt.of(unix.peerCredentials().uid());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "no peer credentials on {0}: {1}", ch, e.getMessage());
            }
        }
        return OptionalInt.empty();
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
