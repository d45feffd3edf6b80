package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;

/**
 * Base of a generated file or directory: fixed name, qid and permissions, length 0 (reads are
 * generated, so no length can be known), owner looked up on each stat (it can change hands).
 */
public abstract class SyntheticNode implements Node {
    private final Qid qid;
    private final String name;
    private final int perm;
    private final Supplier<String> owner;
    private final int created = (int) (System.currentTimeMillis() / 1000);

    protected SyntheticNode(Qid qid, String name, int perm, Supplier<String> owner) {
        this.qid = qid;
        this.name = name;
        this.perm = perm;
        this.owner = owner;
    }

    @Override
    public final Qid qid() {
        return qid;
    }

    public final String name() {
        return name;
    }

    @Override
    public CompletableFuture<Dir> stat() {
        return CompletableFuture.completedFuture(dir());
    }

    /** The entry as listed in the parent directory. */
    public Dir dir() {
        String o = owner.get();
        int mode = qid.isDirectory() ? perm | org.taskfs.styx.codec.P9.DMDIR : perm;
        return new Dir(0, 0, qid, mode, created, created, 0, name, o, o, o);
    }
}
