package org.taskfs.styx.client;

import java.io.IOException;

/**
 * The server answered a request with Rerror. {@link #error()} is the server's string exactly;
 * the message is that string, optionally followed by the path the request concerned
 * ({@code file does not exist: 0/stdout}).
 */
public final class StyxRemoteException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String error;

    public StyxRemoteException(String error) {
        this(error, null);
    }

    /** @param context appended after ": " to the message when not null, typically a path */
    public StyxRemoteException(String error, String context) {
        super(context == null ? error : error + ": " + context);
        this.error = error;
    }

    /** The server's error string, without any context added by the client. */
    public String error() {
        return error;
    }

    // An Rerror is an answer, not a bug of this JVM: a stack trace of the event loop says nothing
    // about it, and filling one in on every "file does not exist" costs more than the whole reply.
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
