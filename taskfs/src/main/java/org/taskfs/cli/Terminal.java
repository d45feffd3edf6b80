package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the user watches: a standard stream that is a terminal. Read from the descriptor's link in
 * /proc/self/fd rather than by isatty(3) through jnr-posix, whose binding of libc costs a one-shot command
 * hundreds of classes (a fifth of {@code taskfs run}'s start-up).
 */
final class Terminal {
    private Terminal() {}

    static boolean isStdout() {
        return isTerminal(1);
    }

    static boolean isStderr() {
        return isTerminal(2);
    }

    private static boolean isTerminal(int fd) {
        try {
            return isTerminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return false; // closed, or no /proc: treat it as a file, the safe side for scripts
        }
    }

    /** Linux's terminal devices: pseudo-terminals, virtual consoles and serial lines, the console. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }
}
