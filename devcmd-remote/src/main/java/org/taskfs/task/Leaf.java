package org.taskfs.task;

import java.util.concurrent.CompletableFuture;

/**
 * One task of a session as the shared tree sees it: a local process on a node, or a task on a member of a
 * coordinator. Its runs are read through {@link Run}; the session gathers and spreads over its leaves.
 * Thread-safe; nothing blocks.
 */
public interface Leaf {
    /**
     * The run a reader opened now reads: the one an exec asked for and not yet answered will start, else the
     * current one; null when the task never ran and no exec is coming, so it contributes nothing and the read
     * ends. Fails once the task is released.
     */
    CompletableFuture<Run> runToRead();

    /**
     * The current run, or the next one whenever an exec starts it: for a splice source, opened before its
     * task runs. Fails once the task is released or lost: no run will come.
     */
    CompletableFuture<Run> currentOrNextRun();

    /** Its current run has not ended. */
    boolean isRunning();

    /** Its latest run, ended or not; null if it never ran (the root sessions file counts tasks by it). */
    Run lastRun();

    /**
     * Its run has ended but its output has not: processes it left behind still write it. A {@code kill} reaches
     * them, and ends the output.
     */
    default boolean isWriting() {
        return false;
    }

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
