package org.taskfs.cli;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.task.Security;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --auth} and {@code --admin-group} of the commands that serve (serve, node, up): the {@link Security}
 * of their task servers. The default is explicit {@code none}, not $TASKFS_AUTH: what a server demands of
 * its peers should be written where it is started.
 */
final class ServerSecurity {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--auth", paramLabel = "METHOD", defaultValue = "none",
            description = "How remote peers must authenticate: none, munge (diod's MUNGE exchange), "
                    + "munge=SOCKET, or key=FILE (a shared key, mode 0600); a coordinator authenticates to its "
                    + "nodes the same way. Local peers are known from the kernel (default: ${DEFAULT-VALUE}).")
    String auth;

    @Option(names = "--admin-group", paramLabel = "GROUP",
            description = "Members of GROUP administer this server as root does: they see every session and may "
                    + "change the pool and the root env; also the group of its Unix socket (mode 0660).")
    String adminGroup;

    AuthMethod auth() {
        return AuthOption.resolve(auth, mixee.commandLine());
    }

    Security security() {
        if (adminGroup != null) {
            checkGroup(adminGroup);
        }
        return new Security(auth(), adminGroup);
    }

    /** A misspelt group would leave the admins locked out without a word; say so at start. */
    private static void checkGroup(String group) {
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException("--admin-group " + group + ": no such group");
        } catch (IOException e) {
            throw new IllegalArgumentException("--admin-group " + group + ": cannot look it up: " + e.getMessage());
        }
    }
}
