package org.taskfs.task;

import java.util.concurrent.CompletableFuture;

/**
 * One run of a command on a task: its output logs, read by any number of readers at their own offsets, and
 * its wait line. A failed exec is a run too: empty, complete logs and the failure as its wait line.
 */
public interface Run {
    OutputLog stdout();

    OutputLog stderr();

    default OutputLog log(boolean err) {
        return err ? stderr() : stdout();
    }

    /** devcmd's wait line without the newline ({@code PID USER_MS SYS_MS REAL_MS 'MSG'}), once the run ended. */
    CompletableFuture<String> waitLine();
}
