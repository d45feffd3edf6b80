package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;

/**
 * An open fid: what {@link Node#open} returns. It may stand for a different node than the one
 * opened (a {@code clone} file opens as the new session's {@code ctl}). Called on the connection's
 * event loop; must not block. Reads and writes are only called with the modes the fid was opened
 * with and counts within the iounit.
 */
public interface OpenFile {
    /** The node the fid now refers to; its qid goes into Ropen. */
    Node node();

    /** Up to {@code count} bytes at {@code offset}; an empty array means end of file. */
    default CompletableFuture<byte[]> read(long offset, int count) {
        return StyxException.failed(Errors.PERMISSION);
    }

    /** Writes {@code data} at {@code offset}; completes with the bytes taken. */
    default CompletableFuture<Integer> write(long offset, byte[] data) {
        return StyxException.failed(Errors.PERMISSION);
    }

    /** The fid is clunked or its connection is gone: release what the open holds. */
    default void clunk() {}

    /** A handle with no behaviour of its own beyond the defaults. */
    static OpenFile of(Node node) {
        return () -> node;
    }
}
