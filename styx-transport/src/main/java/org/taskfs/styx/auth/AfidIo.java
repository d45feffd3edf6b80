package org.taskfs.styx.auth;

import java.util.concurrent.CompletableFuture;

/**
 * Reads and writes of an auth fid, however they reach the server: a {@link org.taskfs.styx.client.StyxClient}'s
 * Tread/Twrite, or a relay's raw upstream connection. A failure (the server's Rerror) fails the future;
 * its message is the server's reason.
 */
public interface AfidIo {
    /** One Tread of at most {@code count} bytes; an empty array is end of file. */
    CompletableFuture<byte[]> read(int count);

    /** One Twrite; completes with the count the server took. */
    CompletableFuture<Integer> write(byte[] data);
}
