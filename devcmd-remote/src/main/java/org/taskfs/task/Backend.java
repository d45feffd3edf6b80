package org.taskfs.task;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a task server is made of beyond the shared tree: where its tasks come from (local processes on a node,
 * tasks on the members of a coordinator), its capacity, and its root ctl. {@link TaskTree} serves the rest,
 * identically for both.
 */
public interface Backend {
    /** The host, as the root {@code arch} file shows it. */
    HostInfo host();

    /** This server's dial string: TASKFS_ADDR of sessions made here. */
    String address();

    /**
     * Reserves {@code n} more tasks for {@code session}, all or nothing: on failure nothing stays reserved and
     * the error names the shortfall ({@code res: not enough capacity: asked 8, 5 free slots (Linux amd64)}).
     * {@code os} and {@code arch} are {@code *} for any.
     */
    CompletableFuture<List<Part>> reserve(Session session, int n, String os, String arch);

    /** The root {@code status}: the census, one {@code COUNT OS ARCH} line per kind. */
    String census();

    /** The root {@code ns}: {@link Capacity} lines, one per pool entry. */
    String capacity();

    /** The root {@code ctl}: what reading it shows, and the verbs writing it takes (admin only). */
    String settings();

    CtlTable<Void> rootVerbs();

    /** The server stops: free what the backend holds (sessions are released before). */
    default void close() {}
}
