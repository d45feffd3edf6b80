package org.taskfs.coord.session;

import java.util.List;

/**
 * A directory of a session's tree: the session itself, a group of tasks under a mounted
 * coordinator, or a single leaf. Every one of them has the same files, computed over its leaves.
 */
public interface TaskView {
    /** The path below the session, "" for the session itself, e.g. {@code 1/0}. */
    String path();

    /** The tasks below, in task order. */
    List<Leaf> leaves();

    boolean isLeaf();
}
