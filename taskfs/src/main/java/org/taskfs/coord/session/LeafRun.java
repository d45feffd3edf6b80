package org.taskfs.coord.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.taskfs.node.exec.OutputLog;

/**
 * One run of a leaf as the coordinator keeps it: copies of its stdout and stderr, filled by pumps
 * from the member as the task writes, so readers are served locally and what arrived survives the
 * member's loss; and its wait line.
 */
final class LeafRun {
    final OutputLog stdout;
    final OutputLog stderr;
    /** The wait line without its newline, once the run has ended (or its member was lost). */
    final CompletableFuture<String> waitLine = new CompletableFuture<>();

    LeafRun(Path dir, int number) {
        try {
            stdout = OutputLog.open(dir.resolve("run" + number + ".stdout"));
            stderr = OutputLog.open(dir.resolve("run" + number + ".stderr"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output logs in " + dir, e);
        }
    }

    OutputLog log(boolean err) {
        return err ? stderr : stdout;
    }

    /** Ends the run as far as readers care: output logs complete, wait line given if it was not. */
    void end(String line) {
        stdout.markComplete();
        stderr.markComplete();
        waitLine.complete(line);
    }

    void close() {
        stdout.close();
        stderr.close();
    }
}
