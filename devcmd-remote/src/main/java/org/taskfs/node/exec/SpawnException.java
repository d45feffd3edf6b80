package org.taskfs.node.exec;

/**
 * A process could not be started. The message is the text a ctl write fails with, in devcmd's words:
 * {@code exec failed: CMD: No such file or directory}, {@code can't chdir to DIR: Not a directory}.
 * Nothing is left running when this is thrown.
 */
public final class SpawnException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int errno;

    SpawnException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The Linux errno behind the failure, or 0 when there is none. */
    public int errno() {
        return errno;
    }
}
