package org.taskfs.styx.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.taskfs.styx.codec.BadMessage;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

/**
 * A 9P server for tests whose answers come from a per-test script. It answers Tversion itself
 * (with {@link #msize} and {@link #version}), records every other request in arrival order, and
 * lets the test answer later ({@link #reply}), send bytes that are not 9P ({@link #sendRaw}) or
 * drop the connection.
 */
final class ScriptedServer implements AutoCloseable {

    /** The reply to send at once, or null to send nothing now. */
    interface Script {
        Rmessage answer(Tmessage request);
    }

    private final EventLoopGroup group = Transport.newGroup(1, "scripted-server");
    private final Channel listener;
    private final DialAddress address;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final List<Tmessage> received = new ArrayList<>(); // guarded by itself
    final List<String> bad = new CopyOnWriteArrayList<>();
    volatile Script script;
    volatile int msize = P9.MAX_MSIZE;
    volatile String version = P9.VERSION;
    /** When false, Tversion goes unanswered. */
    volatile boolean answerVersion = true;

    private ScriptedServer(DialAddress at, Script script) throws InterruptedException {
        this.script = script;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(Transport.serverChannel(at))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.closeFuture().addListener(f -> connections.remove(ch));
                        ch.pipeline().addLast(new StyxFrameDecoder(true, P9.MAX_MSIZE), StyxEncoder.INSTANCE,
                                new Handler());
                    }
                });
        listener = b.bind(at.toSocketAddress()).sync().channel();
        address = at.kind() == DialAddress.Kind.UNIX ? at
                : DialAddress.tcp("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
    }

    static ScriptedServer tcp(Script script) throws InterruptedException {
        return new ScriptedServer(DialAddress.tcp("127.0.0.1", 0), script);
    }

    static ScriptedServer at(DialAddress address, Script script) throws InterruptedException {
        return new ScriptedServer(address, script);
    }

    DialAddress address() {
        return address;
    }

    /** Every request but Tversion, in arrival order. */
    List<Tmessage> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    <T extends Tmessage> List<T> received(Class<T> type) {
        return received().stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    int connectionCount() {
        return connections.size();
    }

    /** Sends a reply on every open connection (tests use one). */
    void reply(Rmessage r) {
        for (Channel ch : connections) {
            ch.writeAndFlush(r);
        }
    }

    void sendRaw(byte[] bytes) {
        for (Channel ch : connections) {
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        }
    }

    void dropConnections() {
        for (Channel ch : new ArrayList<>(connections)) {
            ch.close();
        }
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        listener.close().syncUninterruptibly();
        dropConnections();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BadMessage b) {
                bad.add(b.reason());
                ctx.writeAndFlush(new Rmessage.Error(b.tag(), b.reason()));
            } else if (msg instanceof Tmessage.Version v) {
                if (answerVersion) {
                    ctx.writeAndFlush(new Rmessage.Version(P9.NOTAG, Math.min(msize, v.msize()), version));
                }
            } else {
                Tmessage t = (Tmessage) msg;
                synchronized (received) {
                    received.add(t);
                }
                Rmessage r = script.answer(t);
                if (r != null) {
                    ctx.writeAndFlush(r);
                }
            }
        }
    }
}
