package org.taskfs.task;

import java.util.concurrent.CompletableFuture;

/**
 * One task of a session as the shared tree sees it: a local process on a node, or a task on a member of a
 * coordinator. Its runs are read through {@link Run}; the session gathers and spreads over its leaves.
 * Thread-safe; nothing blocks.
 */
public interface Leaf {
    /**
     * The run readers see now, or the next one once an exec starts it. Fails once the task is released: no run
     * will come.
     */
    CompletableFuture<Run> currentOrNextRun();

    /** Its current run has not ended. */
    boolean isRunning();

    /** Its server is gone: it takes no more commands. */
    default boolean isLost() {
        return false;
    }

    /** Writes to its stdin; before an exec the data is kept for the coming run. */
    CompletableFuture<Integer> writeStdin(byte[] data);

    /** A writer of its stdin opened (devcmd: stdin sees EOF when its last writer closes). */
    void stdinWriterOpened();

    /** That writer closed; the last one gone means EOF. */
    void stdinWriterClosed();
}
