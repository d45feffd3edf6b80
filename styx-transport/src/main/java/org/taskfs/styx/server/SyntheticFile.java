package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.taskfs.styx.codec.Qid;

/** A generated file whose open hands out whatever handle a function makes for the caller. */
public class SyntheticFile extends SyntheticNode {
    private final BiFunction<Node, Caller, OpenFile> opener;

    public SyntheticFile(long path, String name, int perm, Supplier<String> owner,
                         BiFunction<Node, Caller, OpenFile> opener) {
        super(Qid.file(path), name, perm, owner);
        this.opener = opener;
    }

    @Override
    public CompletableFuture<OpenFile> open(int mode, Caller caller) {
        return CompletableFuture.completedFuture(opener.apply(this, caller));
    }
}
