package org.taskfs.task;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Tasks of a session reserved together in one place: a node's own processes, or one session on a member of a
 * coordinator. It is the unit a command goes to in one message: an exec of the whole session is one write per
 * part. Tasks are numbered within the part from 0; {@code task} -1 means all of them.
 */
public interface Part {
    List<? extends Leaf> tasks();

    /** Where task {@code i} lives, as a session's {@code ns} shows it: {@code ADDR!DIR}. */
    String binding(int i);

    /** The pool entry its tasks are on, as the root {@code ns} names it: a member's name, or {@code local}. */
    String where();

    /**
     * Carries out {@code exec}, {@code kill} or {@code eof} (already parsed and checked by the session) on one
     * task or all of them. An exec completes once every process started; if one cannot start, those that did
     * are killed and it fails with {@code task I: REASON} (I counted in the session, see {@link Identity}).
     * Every task of the part has a new run afterwards either way, unless the exec was refused before anything
     * started ({@value CtlRequest#IN_USE}).
     */
    CompletableFuture<Void> command(CtlRequest c, int task);

    /**
     * Mirrors a change of the session's settings on the part's own server: {@code file} is relative to the
     * session directory there ({@code ctl}, {@code env}, {@code args}, {@code 2/env}). A part whose tasks read
     * the session at exec needs nothing mirrored.
     */
    default CompletableFuture<Void> mirror(String file, String text) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Mirrors a truncating open of {@code file} (relative as for {@link #mirror}): {@code args}, whose pending
     * lines it drops.
     */
    default CompletableFuture<Void> truncate(String file) {
        return CompletableFuture.completedFuture(null);
    }

    /** One status line per task, in order ({@code cmd/K REFS STATE DIR ARG0\n}). */
    CompletableFuture<List<String>> status();

    /**
     * What a restarted server needs to find this part again ({@link SessionState#parts}); null if it cannot be
     * found again (its tasks were this server's own processes, gone with it).
     */
    default String record() {
        return null;
    }

    /** Kills what runs and frees the tasks on their server. Never fails. */
    CompletableFuture<Void> release();
}
