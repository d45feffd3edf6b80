package org.taskfs.styx.server;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.codec.Dir;

/** One fid of a connection. Touched only on the connection's event loop. */
final class Fid {
    /** A walk position: the node and how it was reached, so ".." needs nothing from the node. */
    record Path(Node node, Path parent) {
        Path up() {
            return parent == null ? this : parent;
        }

        Path down(Node child) {
            return new Path(child, this);
        }
    }

    static final int NOT_OPEN = -1;

    final int id;
    final Caller caller;
    Path path;
    OpenFile open;
    int openMode = NOT_OPEN;
    /** An open or create is in progress: a second one must not race it. */
    boolean opening;
    boolean auth;

    /** Opened by the Linux kernel (Tlopen with O_LARGEFILE), whose read(2) loops over Treads. */
    boolean kernelReads;
    /** Where the last read ended if it was short and not empty: a Tread there is the kernel's loop going on. */
    long shortReadEnd = -1;
    /**
     * A read the server stopped waiting for without abandoning it ({@link Dispatcher}'s follow-up reads): many
     * nodes' reads take the bytes they return (a stream read on from where it was), so what it brings belongs
     * to the next read at {@link #heldAt}. {@link #heldSource} is the node's own future, to stop it.
     */
    CompletableFuture<byte[]> held;
    CompletableFuture<byte[]> heldSource;
    long heldAt = -1;

    /** Stops and forgets a held read: the client went on elsewhere, or the fid is done. */
    void dropHeld() {
        if (heldSource != null) {
            heldSource.cancel(true);
        }
        held = null;
        heldSource = null;
        heldAt = -1;
    }

    /** 9P2000.L: the listing the last Treaddir at offset 0 took, which later ones go on through. */
    List<Dir> listing;

    /** Where reads of the fid are, when it is an open directory. */
    final DirectoryReader directory = new DirectoryReader();

    Fid(int id, Caller caller, Path path) {
        this.id = id;
        this.caller = caller;
        this.path = path;
    }

    Node node() {
        return path.node();
    }

    boolean isOpen() {
        return openMode != NOT_OPEN;
    }

    /** Open, or about to be: neither a walk nor another open may start. */
    boolean busy() {
        return isOpen() || opening;
    }
}
