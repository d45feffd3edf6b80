package org.taskfs.coord.session;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.server.Files9;

/**
 * One open {@code wait} of a session or group: a line per leaf as it ends, in the order they end,
 * prefixed by the leaf's path; end of file once all have ended. A leaf's own wait is its line alone.
 */
public final class WaitReader {
    private final StringBuilder text = new StringBuilder();
    private byte[] bytes = new byte[0];
    private int pending;
    private CompletableFuture<Void> change = new CompletableFuture<>();

    public WaitReader(TaskView view) {
        List<Leaf> leaves = view.leaves();
        pending = leaves.size();
        for (Leaf l : leaves) {
            String prefix = view.isLeaf() ? "" : Session.relative(view, l) + " ";
            l.currentOrNextRun().thenCompose(r -> r.waitLine).whenComplete((line, e) -> {
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
