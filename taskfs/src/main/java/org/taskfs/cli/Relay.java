package org.taskfs.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;
import org.taskfs.styx.server.UnixSocketPlace;
import org.taskfs.styx.util.Failures;
import org.taskfs.styx.util.Futures;

/**
 * {@code taskfs relay}: a local 9P server for clients that cannot authenticate (9pfuse, plan9port's 9p,
 * Inferno's mount, v9fs), in front of a server that asks them to. It serves one user, the one it runs as:
 * the kernel names the user of each connection, and any other is refused. For each client it dials the
 * server, authenticates there as that user ({@link #login}) and relays the client's requests on that
 * connection ({@link RelayConnection}), as plan9port's {@code srv -a} does for factotum.
 */
final class Relay implements AutoCloseable {
    /**
     * @param listen where local clients connect: a Unix socket (made 0600) or a loopback port
     * @param to     the server relayed to
     * @param auth   how the relay authenticates there
     * @param user   who it authenticates and attaches as
     * @param uid    the only uid whose connections it accepts
     */
    record Config(DialAddress listen, DialAddress to, AuthMethod auth, String user, int uid) {
        /** The relay of the user running this process. */
        static Config ofOwnUser(DialAddress listen, DialAddress to, AuthMethod auth) {
            return new Config(listen, to, auth, OwnUser.name(), OwnUser.uid());
        }
    }

    private final Config config;
    private final PrintStream log;
    private final EventLoopGroup group;
    private final ChannelGroup clients = new DefaultChannelGroup("taskfs-relay-clients", GlobalEventExecutor.INSTANCE);
    private Channel listener;
    /** The socket file made, so that closing removes this one and no other; null on TCP. */
    private Object socketKey;

    private Relay(Config config, PrintStream log) {
        this.config = config;
        this.log = log;
        this.group = Transport.newGroup(2, "taskfs-relay");
    }

    static Relay start(Config config, PrintStream log) throws IOException {
        checkListen(config.listen());
        UnixSocketPlace place = null;
        try {
            if (config.listen().kind() == DialAddress.Kind.UNIX) {
                place = UnixSocketPlace.prepare(config.listen().path());
            }
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        Relay r = new Relay(config, log);
        try {
            r.bind(place);
        } catch (RuntimeException | IOException e) {
            r.close();
            throw e;
        } finally {
            if (place != null) {
                place.cleanUp();
            }
        }
        return r;
    }

    /**
     * The relay's clients prove nothing, so the relay must learn each one's uid from the kernel (a Unix
     * socket's peer credentials, the owner of a loopback peer's socket), and must be out of reach of other
     * machines.
     */
    private static void checkListen(DialAddress at) {
        if (!at.isLocalOnly()) {
            throw new IllegalArgumentException("--listen " + at + ": the relay lets its clients in without "
                    + "authentication, so it listens only on this machine: give unix!PATH or a loopback port");
        }
    }

    private void bind(UnixSocketPlace place) throws IOException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel(config.listen()))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clients.add(ch);
                        StyxFrameDecoder decoder = new StyxFrameDecoder(true, StyxFrameDecoder.PRE_VERSION_LIMIT);
                        ch.pipeline().addLast(
                                new FlushConsolidationHandler(256, true),
                                decoder,
                                StyxEncoder.INSTANCE,
                                new RelayConnection(Relay.this, decoder));
                    }
                });
        try {
            java.net.SocketAddress where = place != null
                    ? new io.netty.channel.unix.DomainSocketAddress(place.bindPath().toString())
                    : config.listen().toSocketAddress();
            listener = b.bind(where).syncUninterruptibly().channel();
            if (place != null) {
                socketKey = place.install(null);
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + config.listen() + ": " + Failures.text(e), e);
        }
    }

    Config config() {
        return config;
    }

    /** Where clients connect: the configured address, with the real port when 0 was asked for. */
    DialAddress address() {
        if (listener != null && listener.localAddress() instanceof java.net.InetSocketAddress isa) {
            return DialAddress.tcp(config.listen().host(), isa.getPort());
        }
        return config.listen();
    }

    /**
     * A new connection to the server, authenticated and attached as the relay's user: the server then takes
     * the connection as that user's (diod's sticky rule), so the client's own attaches, made without an
     * afid, are accepted there. The attach root stays open, holding that.
     */
    CompletableFuture<StyxClient> login(int msize) {
        ClientOptions o = ClientOptions.defaults().withMsize(msize).withUname(config.user()).withAuth(config.auth())
                .withGroup(group);
        return StyxClient.connect(config.to(), o).thenCompose(c -> c.root().handle((root, e) -> {
            if (e != null) {
                c.close();
                throw new CompletionException(Futures.cause(e));
            }
            return c;
        }));
    }

    /** What a failed {@link #login} tells the client and the log. */
    String loginFailure(Throwable e) {
        return "cannot attach to " + config.to() + " as " + config.user() + " with --auth "
                + config.auth() + ": " + Failures.text(e);
    }

    void log(String line) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
            if (socketKey != null) {
                UnixSocketPlace.removeIfOurs(config.listen().path().toAbsolutePath(), socketKey);
            }
        }
        clients.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
