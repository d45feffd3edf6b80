package org.taskfs.task;

/** A task's state as its status line shows it (devcmd's words, plus Fail and Lost from taskfs). */
public enum TaskState {
    /** Reserved; nothing run yet. */
    Closed,
    Execute,
    Done,
    /** The exec failed: nothing ran. */
    Fail,
    /** The node running it is gone. */
    Lost,
    /** Not a task yet: a reservation waiting for slots (the last line of a session's status while it waits). */
    Pending
}
