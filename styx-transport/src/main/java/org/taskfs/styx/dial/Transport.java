package org.taskfs.styx.dial;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
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
        IoHandlerFactory factory = isNative() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends ServerChannel> serverChannel(DialAddress address) {
        if (address.kind() == DialAddress.Kind.UNIX) {
            requireNative(address);
            return EpollServerDomainSocketChannel.class;
        }
        return isNative() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> clientChannel(DialAddress address) {
        if (address.kind() == DialAddress.Kind.UNIX) {
            requireNative(address);
            return EpollDomainSocketChannel.class;
        }
        return isNative() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private static void requireNative(DialAddress address) {
        if (!isNative()) {
            throw new IllegalStateException("Unix sockets (" + address + ") need Netty's epoll transport, "
                    + "which does not load here: " + Epoll.unavailabilityCause());
        }
    }
}
