package org.taskfs.styx.server;

import org.taskfs.styx.auth.Principal;

/**
 * The user a request acts for: the proven user of the fid's attach, its aname, on a given connection.
 * The framework has checked {@code user} against what the connection proved ({@code principal}): it is
 * the principal's own user, or anyone a speaker principal named. {@code principal} is null only for a
 * caller an application makes itself.
 */
public record Caller(String user, String aname, ConnectionInfo connection, Principal principal) {
    /** A caller with no principal: for applications acting on their own behalf. */
    public Caller(String user, String aname, ConnectionInfo connection) {
        this(user, aname, connection, null);
    }
}
