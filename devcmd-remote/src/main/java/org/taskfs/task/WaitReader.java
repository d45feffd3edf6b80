package org.taskfs.task;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.server.Files9;

/**
 * One open {@code wait} of a session: a line per task as it ends, in the order they end, prefixed by the
 * task's number; end of file once all have ended. A task's own wait is its line alone. Only runs that exist or
 * whose exec has been asked are waited for: a task that never ran adds no line.
 */
public final class WaitReader {
    private final StringBuilder text = new StringBuilder();
    private byte[] bytes = new byte[0];
    private int pending;
    private CompletableFuture<Void> change = new CompletableFuture<>();

    /** @param task the task whose wait this is, or -1 for the session's */
    public WaitReader(Session session, int task) {
        List<Leaf> leaves = session.leaves(task);
        pending = leaves.size();
        for (int i = 0; i < leaves.size(); i++) {
            String prefix = task >= 0 ? "" : i + " ";
            // A task that never ran and is not about to has no line: it is not waited for.
            leaves.get(i).runToRead().thenCompose(r -> r == null ? CompletableFuture.<String>completedFuture(null)
                    : r.waitLine()).whenComplete((line, e) -> {
                CompletableFuture<Void> wake;
                synchronized (this) {
                    if (line != null) {
                        text.append(prefix).append(line).append('\n');
                        bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                    }
                    pending--;
                    wake = change;
                    change = new CompletableFuture<>();
                }
                wake.complete(null);
            });
        }
    }

    public CompletableFuture<byte[]> read(long offset, int count) {
        CompletableFuture<Void> wake;
        synchronized (this) {
            if (offset < bytes.length || pending == 0) {
                return CompletableFuture.completedFuture(Files9.slice(bytes, offset, count));
            }
            wake = change;
        }
        return wake.thenCompose(v -> read(offset, count));
    }
}
