package org.taskfs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.taskfs.styx.auth.AuthMethod;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --auth METHOD} of the commands that dial a server (ls, cat, write, stat, run, mount, relay):
 * how they prove who they are to a server that is not on this machine. $TASKFS_AUTH is the default, as
 * $TASKFS_ADDR is the address's, so a user's shell sets both once.
 */
final class AuthOption {
    static final String METHODS = "none, munge, munge=SOCKET or key=FILE";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--auth", paramLabel = "METHOD", defaultValue = "${env:TASKFS_AUTH:-none}",
            description = "How to authenticate to a remote server: none, munge (munged's credential, as diod's "
                    + "tools), munge=SOCKET, or key=FILE (a shared key, mode 0600); a server on this machine "
                    + "knows us from the kernel whatever this says (default: $TASKFS_AUTH, else none).")
    String spec;

    /** The method asked for, checked: a usage error for a bad spec, a plain one for an unusable key file. */
    AuthMethod method() {
        return resolve(spec, mixee.commandLine());
    }

    /** Parses {@code spec} and checks what can be checked before any connection is made. */
    static AuthMethod resolve(String spec, CommandLine cl) {
        AuthMethod m;
        try {
            m = AuthMethod.parse(spec.trim());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--auth: " + e.getMessage());
        }
        if (m instanceof AuthMethod.Key k) {
            checkKeyFile(k);
        }
        return m;
    }

    /**
     * A shared key is as good as the file it is kept in: refuse one others can read (or replace) now,
     * rather than fail on the first connection or, worse, work.
     */
    static void checkKeyFile(AuthMethod.Key key) {
        Path f = key.file();
        String what = "--auth " + key + ": ";
        try {
            if (!Files.exists(f)) {
                throw new IllegalArgumentException(what + "no such file");
            }
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(what + "not a regular file");
            }
            int mode = (Integer) Files.getAttribute(f, "unix:mode") & 07777;
            int owner = (Integer) Files.getAttribute(f, "unix:uid");
            if ((mode & 077) != 0 || owner != OwnUser.uid()) {
                throw new IllegalArgumentException(what + "the key file must be mode 0600 and yours; it is "
                        + String.format("%04o", mode)
                        + (owner != OwnUser.uid() ? " and belongs to " + OwnUser.ownerOf(f) : ""));
            }
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException(what + "cannot read the key file (mode "
                        + String.format("%04o", mode) + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what + "cannot inspect the key file: " + e.getMessage(), e);
        }
    }
}
