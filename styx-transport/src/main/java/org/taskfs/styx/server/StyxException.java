package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;

/**
 * A failure a handler reports to the client: its message becomes the Rerror string, so it should
 * read as a user-facing error ("file does not exist", "exec failed: …").
 */
public final class StyxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StyxException(String message) {
        super(message, null, false, false);
    }

    public static <T> CompletableFuture<T> failed(String message) {
        return CompletableFuture.failedFuture(new StyxException(message));
    }
}
