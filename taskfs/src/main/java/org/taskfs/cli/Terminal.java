package org.taskfs.cli;

import jnr.posix.POSIXFactory;

/** Whether the user watches: isatty(3) on the standard streams. */
final class Terminal {
    private Terminal() {}

    static boolean isStderr() {
        try {
            return POSIXFactory.getNativePOSIX().isatty(2) != 0;
        } catch (RuntimeException | LinkageError e) {
            return false; // no native POSIX here: treat it as a file, the safe side for scripts
        }
    }
}
