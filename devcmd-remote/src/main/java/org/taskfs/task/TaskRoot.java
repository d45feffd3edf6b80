package org.taskfs.task;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.Errors;
import org.taskfs.styx.server.Node;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.server.SyntheticNode;

/**
 * The root every task server serves: numbered directories (a node's tasks, a coordinator's
 * sessions) listed first, then its fixed files ({@code clone ctl arch status ns env}).
 */
public abstract class TaskRoot extends SyntheticNode {
    protected TaskRoot(Supplier<String> owner) {
        super(Qid.directory(0), "/", 0555, owner);
    }

    /** The fixed files, in listing order. */
    protected abstract List<? extends SyntheticNode> files();

    /** The directory numbered {@code n}, or null if there is none. */
    protected abstract SyntheticNode numbered(int n);

    /** Every numbered directory, in order. */
    protected abstract List<? extends SyntheticNode> numberedEntries();

    @Override
    public CompletableFuture<Node> walk(String name, Caller caller) {
        for (SyntheticNode f : files()) {
            if (f.name().equals(name)) {
                return CompletableFuture.completedFuture(f);
            }
        }
        int n = TaskFile.directoryNumber(name);
        SyntheticNode d = n < 0 ? null : numbered(n);
        return d == null ? StyxException.failed(Errors.NOT_FOUND) : CompletableFuture.completedFuture(d);
    }

    @Override
    public CompletableFuture<List<Dir>> list(Caller caller) {
        List<Dir> out = new ArrayList<>();
        for (SyntheticNode d : numberedEntries()) {
            out.add(d.dir());
        }
        for (SyntheticNode f : files()) {
            out.add(f.dir());
        }
        return CompletableFuture.completedFuture(out);
    }
}
