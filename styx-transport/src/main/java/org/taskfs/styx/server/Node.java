package org.taskfs.styx.server;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;

/**
 * A file or directory of a served tree. The framework has already checked the request against
 * 9P's rules (fid state, open mode against {@link #stat()}'s permissions, names, counts), so a node
 * sees only legal requests. Every method is called on a connection's event-loop thread and must
 * not block: anything slow returns a future completed later, from any thread. A future that the
 * framework cancels (Tflush, disconnect) tells the node to stop waiting.
 *
 * <p>The defaults describe a file nobody may create in, remove or change; directories override
 * {@link #walk} and {@link #list}.
 */
public interface Node {
    /** Fixed for the node's life: the framework answers walks and opens with it. */
    Qid qid();

    /** The current directory entry. Synthetic files report length 0. */
    CompletableFuture<Dir> stat();

    default boolean isDirectory() {
        return qid().isDirectory();
    }

    /**
     * Access this node gives {@code caller} beyond its permission bits (an administrator's); the framework
     * checks the bits only when this says no. {@code need} holds the bits wanted: 4 read, 2 write, 1 execute.
     */
    default boolean grants(Caller caller, int need) {
        return false;
    }

    /** The child called {@code name} (never "." or ".."; the framework resolves ".."). */
    default CompletableFuture<Node> walk(String name, Caller caller) {
        return StyxException.failed(Errors.NOT_FOUND);
    }

    /** A directory's entries in listing order; directory reads are generated from it. */
    default CompletableFuture<List<Dir>> list(Caller caller) {
        return StyxException.failed(Errors.NOT_DIR);
    }

    /**
     * Opens the node; the permission check against the mode is done. {@code mode} is the 9P open
     * mode (OREAD…OEXEC, maybe OTRUNC). A directory's default handle is served by the framework.
     */
    default CompletableFuture<OpenFile> open(int mode, Caller caller) {
        return CompletableFuture.completedFuture(OpenFile.of(this));
    }

    /**
     * The server has answered an open of this node, or a write to it through a fid opened on it, with the Rerror
     * {@code error}: for a tree that shows its users what it refused them. Called on the event loop, once per
     * refused request (not for flushed ones); must not block.
     */
    default void refused(Caller caller, String error) {}

    /** Creates {@code name} in this directory and opens it with {@code mode}. */
    default CompletableFuture<OpenFile> create(String name, int perm, int mode, Caller caller) {
        return StyxException.failed(Errors.PERMISSION);
    }

    default CompletableFuture<Void> remove(Caller caller) {
        return StyxException.failed(Errors.PERMISSION);
    }

    /**
     * Applies a Twstat. The framework has refused changes of type, dev, qid and the directory bit;
     * "don't touch" fields are ~0 and "". The default accepts what changes nothing a synthetic file
     * has: a no-op (Plan 9's "sync") or a length of 0, which is how 9pfuse and Linux truncate
     * before a shell's {@code echo cmd > ctl}. Times are let pass: Linux sends "now" with that
     * truncate, and a synthetic file keeps its own clock.
     */
    default CompletableFuture<Void> wstat(Dir changes, Caller caller) {
        boolean onlyLength = changes.mode() == -1 && changes.name().isEmpty() && changes.uid().isEmpty()
                && changes.gid().isEmpty() && changes.muid().isEmpty();
        if (onlyLength && (changes.length() == -1 || (changes.length() == 0 && !isDirectory()))) {
            return CompletableFuture.completedFuture(null);
        }
        return StyxException.failed(Errors.PERMISSION);
    }

    /** Permission bits for a new file of this node's kind, as Plan 9's create(5) combines them. */
    static int createPerm(int requested, int parentMode) {
        if ((requested & P9.DMDIR) != 0) {
            return (requested & ~0777) | (requested & parentMode & 0777);
        }
        return (requested & ~0777) | (requested & parentMode & 0666);
    }
}
