package org.taskfs.styx.auth;

import java.io.IOException;

/**
 * An authentication exchange failed. The message is {@code authentication failed: REASON}, as the
 * server's Rerror says it, so a user sees why (wrong key, expired credential, …).
 */
public final class AuthenticationException extends IOException {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "authentication failed: ";

    private final String reason;

    public AuthenticationException(String reason) {
        super(reason.startsWith(PREFIX) ? reason : PREFIX + reason);
        this.reason = reason.startsWith(PREFIX) ? reason.substring(PREFIX.length()) : reason;
    }

    /** What went wrong, without the prefix. */
    public String reason() {
        return reason;
    }
}
