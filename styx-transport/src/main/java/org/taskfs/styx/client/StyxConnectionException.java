package org.taskfs.styx.client;

import java.io.IOException;

/**
 * The connection could not be made, was lost, was closed, or carried a reply that is not legal
 * 9P2000. Every request outstanding on it fails with this exception; the message names the address.
 */
public final class StyxConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    public StyxConnectionException(String message) {
        super(message);
    }

    public StyxConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
