package org.taskfs.styx.dial;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Collection;

/**
 * Chooses Netty's native epoll transport where it loads (Linux x86_64: Unix sockets and peer
 * credentials need it) and NIO elsewhere, so callers never name a transport class.
 */
public final class Transport {
    private Transport() {}

    public static boolean isNative() {
        return Epoll.isAvailable();
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, isNative());
    }

    /**
     * One thread for a client of its own that dials {@code addresses}: NIO unless one of them is a Unix socket.
     * Loading the native transport (copying its library out of the jar, initialising Netty's network utilities)
     * is a fifth of a one-shot command's start-up, and TCP does not need it.
     */
    public static EventLoopGroup newClientGroup(String name, Collection<DialAddress> addresses) {
        boolean unix = addresses.stream().anyMatch(a -> a.kind() == DialAddress.Kind.UNIX);
        return newGroup(1, name, unix && isNative());
    }

    private static EventLoopGroup newGroup(int threads, String name, boolean epoll) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends ServerChannel> serverChannel(DialAddress address) {
        if (address.kind() == DialAddress.Kind.UNIX) {
            requireNative(address);
            return EpollServerDomainSocketChannel.class;
        }
        return isNative() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The channel class for dialling {@code address} on {@code group}'s threads. */
    public static Class<? extends Channel> clientChannel(DialAddress address, EventLoopGroup group) {
        boolean nio = group instanceof IoEventLoopGroup g && g.isIoType(NioIoHandler.class);
        if (address.kind() == DialAddress.Kind.UNIX) {
            requireNative(address);
            if (nio) {
                throw new IllegalStateException("Unix sockets (" + address + ") need an epoll event loop, not NIO");
            }
            return EpollDomainSocketChannel.class;
        }
        return nio ? NioSocketChannel.class : EpollSocketChannel.class;
    }

    private static void requireNative(DialAddress address) {
        if (!isNative()) {
            throw new IllegalStateException("Unix sockets (" + address + ") need Netty's epoll transport, "
                    + "which does not load here: " + Epoll.unavailabilityCause());
        }
    }
}
