package org.taskfs.cli;

import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine.Option;

/**
 * The security stance of every server command: loopback unless told otherwise. Servers do not
 * authenticate yet, so a non-local address needs an explicit {@code --insecure}.
 */
final class ListenGuard {
    @Option(names = "--insecure",
            description = "Allow listening on a non-loopback address without authentication (prints a warning).")
    boolean insecure;

    void check(DialAddress at) {
        if (at.isLocalOnly()) {
            return;
        }
        if (!insecure) {
            throw new IllegalArgumentException("refusing to listen on " + at + ": anyone who can reach it could run "
                    + "commands here, and authentication is not available yet; listen on loopback or a unix socket, "
                    + "or pass --insecure on a network you trust");
        }
        System.err.println("taskfs: WARNING: listening on " + at + " without authentication or encryption: "
                + "anyone who can connect can run commands as " + System.getProperty("user.name"));
    }
}
