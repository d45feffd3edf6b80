package org.taskfs.styx.server;

import java.util.List;

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

    // Directory reads: entries generated at offset 0, then served in order.
    List<byte[]> dirEntries;
    int dirIndex;
    long dirOffset;

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
}
