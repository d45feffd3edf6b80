package org.taskfs.task;

import java.util.Objects;
import org.taskfs.styx.auth.AuthMethod;

/**
 * Who may do what on a task server: how remote peers authenticate (and how a coordinator authenticates to its
 * members), and which group, besides root, administers it (sees every session, changes the pool and root env).
 *
 * @param auth       {@code --auth}: Tauth for remote peers; local peers are known from the kernel
 * @param adminGroup {@code --admin-group}, or null for root alone; also the group of a Unix socket (mode 0660)
 */
public record Security(AuthMethod auth, String adminGroup) {
    public static final Security LOCAL = new Security(AuthMethod.NONE, null);

    public Security {
        Objects.requireNonNull(auth, "auth");
    }

    public Security withAuth(AuthMethod method) {
        return new Security(method, adminGroup);
    }

    public Security withAdminGroup(String group) {
        return new Security(auth, group);
    }
}
