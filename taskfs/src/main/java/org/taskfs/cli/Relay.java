package org.taskfs.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.PrintStream;
import java.util.OptionalInt;
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
     * @param listen where local clients connect: a Unix socket (made 0600)
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

    private Relay(Config config, PrintStream log) {
        this.config = config;
        this.log = log;
        this.group = Transport.newGroup(2, "taskfs-relay");
    }

    static Relay start(Config config, PrintStream log) throws IOException {
        checkListen(config.listen());
        SocketFile.prepare(config.listen().path());
        Relay r = new Relay(config, log);
        try {
            r.bind();
        } catch (RuntimeException | IOException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * The relay's clients prove nothing, so the relay must learn each one's uid from the kernel, and must
     * be out of reach of other machines.
     */
    private static void checkListen(DialAddress at) {
        if (at.kind() == DialAddress.Kind.UNIX) {
            return;
        }
        if (!at.isLocalOnly()) {
            throw new IllegalArgumentException("--listen " + at + ": the relay lets its clients in without "
                    + "authentication, so it listens only on this machine: give unix!PATH");
        }
        // Loopback TCP needs the owner of the peer's socket from /proc/net/tcp, which the transport does not
        // offer yet; a Unix socket's SO_PEERCRED is there now.
        throw new IllegalArgumentException("--listen " + at + ": the relay tells who connects by the kernel's "
                + "word, which this build has on Unix sockets only: give unix!PATH");
    }

    private void bind() throws IOException {
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
            listener = b.bind(config.listen().toSocketAddress()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
        SocketFile.restrict(config.listen().path());
    }

    Config config() {
        return config;
    }

    /** The kernel's word on who is at the other end of a client's connection. */
    static OptionalInt peerUid(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel unix) {
            try {
                return OptionalInt.of(unix.peerCredentials().uid());
            } catch (IOException e) {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.empty();
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
            SocketFile.remove(config.listen().path());
        }
        clients.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
