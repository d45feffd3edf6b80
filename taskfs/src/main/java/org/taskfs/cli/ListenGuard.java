package org.taskfs.cli;

import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine.Option;

/**
 * The listening rule of every server command: where the kernel cannot say who a peer is (any address but
 * loopback and Unix sockets), the peer must authenticate, or the operator must say {@code --insecure}.
 */
final class ListenGuard {
    @Option(names = "--insecure",
            description = "Allow --auth none on a non-loopback address: anyone who can connect may run commands "
                    + "(prints a warning).")
    boolean insecure;

    void check(DialAddress at, AuthMethod auth) {
        if (at.isLocalOnly() || !(auth instanceof AuthMethod.None)) {
            return;
        }
        if (!insecure) {
            throw new IllegalArgumentException("refusing to listen on " + at + " without authentication: anyone who "
                    + "can reach it could run commands here; use --auth munge or --auth key=FILE, listen on "
                    + "loopback or a unix socket, or pass --insecure on a network you trust");
        }
        System.err.println("taskfs: WARNING: listening on " + at + " without authentication: "
                + "anyone who can connect can run commands here, and the wire is not encrypted");
    }
}
