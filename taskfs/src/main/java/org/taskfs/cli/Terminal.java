package org.taskfs.cli;

import jnr.posix.POSIXFactory;

/** Whether the user watches: isatty(3) on a standard stream. */
final class Terminal {
    private Terminal() {}

    static boolean isStdout() {
        return isatty(1);
    }

    static boolean isStderr() {
        return isatty(2);
    }

    private static boolean isatty(int fd) {
        try {
            return POSIXFactory.getNativePOSIX().isatty(fd) != 0;
        } catch (RuntimeException | LinkageError e) {
            return false; // no native POSIX here: treat it as a file, the safe side for scripts
        }
    }
}
