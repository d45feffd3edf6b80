package org.taskfs.styx.server;

import java.util.OptionalInt;

/**
 * Who is at the other end of a connection. {@code peerUid} is the kernel's word (SO_PEERCRED) on a
 * Unix socket and empty on TCP; the proven identity the attach rule uses is the caller's
 * {@link Caller#principal()}.
 */
public record ConnectionInfo(long id, String remoteAddress, OptionalInt peerUid) {}
