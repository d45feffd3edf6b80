package org.taskfs.styx.auth;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Who the kernel says a local peer is: SO_PEERCRED on a Unix socket, the owner of the peer's socket for
 * loopback TCP. A peer on another host has no kernel identity (empty). The lookups block, so they run on
 * {@link AuthExecutor}; an attach waits on the future.
 */
public final class KernelIdentity {
    private KernelIdentity() {}

    /** The peer's uid as SO_PEERCRED gives it, for a Unix socket channel; a cheap getsockopt. */
    public static OptionalInt peerUid(Channel ch) {
        if (ch instanceof EpollDomainSocketChannel unix) {
            try {
                return OptionalInt.of(unix.peerCredentials().uid());
            } catch (IOException e) {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.empty();
    }

    /** The principal of an accepted connection's peer, when the kernel can tell; never fails. */
    public static CompletableFuture<Optional<Principal>> of(Channel ch) {
        OptionalInt unixUid = peerUid(ch);
        if (unixUid.isPresent()) {
            int uid = unixUid.getAsInt();
            return AuthExecutor.submit(() -> Optional.of(Principal.ofUid(uid, Principal.UNIX_SOCKET)))
                    .exceptionally(e -> Optional.empty());
        }
        if (ch.remoteAddress() instanceof InetSocketAddress peer && ch.localAddress() instanceof InetSocketAddress local
                && !peer.isUnresolved() && LoopbackSockets.isLoopback(peer.getAddress())) {
            return loopback(peer, local);
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** The owner of the loopback peer at {@code peer} that connected to us at {@code local}. */
    public static CompletableFuture<Optional<Principal>> loopback(InetSocketAddress peer, InetSocketAddress local) {
        return AuthExecutor.submit(() -> {
            OptionalInt uid = LoopbackSockets.ownerOf(peer, local);
            return uid.isPresent() ? Optional.of(Principal.ofUid(uid.getAsInt(), Principal.LOOPBACK_TCP))
                    : Optional.<Principal>empty();
        }).exceptionally(e -> Optional.empty());
    }
}
