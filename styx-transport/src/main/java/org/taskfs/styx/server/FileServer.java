package org.taskfs.styx.server;

import java.util.concurrent.CompletableFuture;

/**
 * What an application serves: the roots that Tattach reaches, and optionally authentication.
 * One instance serves every connection; calls arrive on event-loop threads and must not block.
 */
public interface FileServer {
    /**
     * The root for an attach. {@code caller.user()} is proven: the framework has applied the attach
     * rule (see {@link org.taskfs.styx.auth}) before this is called. {@code auth} is the opened
     * authentication file of the afid, or null when the client attached with NOFID.
     */
    CompletableFuture<Node> attach(Caller caller, OpenFile auth);

    /**
     * Tauth on a server without an auth method ({@link ServerOptions#auth()} none): an application's
     * own authentication file, or a failure. By default no authentication is asked for, which is what
     * 9P clients expect to hear. With {@code --auth munge} or {@code key=FILE} the framework answers
     * Tauth itself and this is not called.
     */
    default CompletableFuture<OpenFile> auth(Caller caller) {
        return StyxException.failed(Errors.NO_AUTH);
    }

    /** A connection ended; every fid it held has already been clunked. */
    default void disconnected(ConnectionInfo connection) {}
}
