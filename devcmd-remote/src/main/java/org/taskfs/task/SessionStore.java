package org.taskfs.task;

import java.util.concurrent.CompletableFuture;

/**
 * Where a server keeps its sessions so that a restart can take them back (a coordinator's {@code --state}).
 * Each change is answered to the client only once the store's future completes: what a client was told is
 * kept.
 */
public interface SessionStore {
    /** Keeps nothing: a server without a state directory. */
    SessionStore NONE = new SessionStore() {
        @Override
        public CompletableFuture<Void> saved(Session s) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> forgotten(Session s) {
            return CompletableFuture.completedFuture(null);
        }
    };

    /** {@code s} was made or changed: completes once its state as of now is durable. */
    CompletableFuture<Void> saved(Session s);

    /** {@code s} was released: a restart must not bring it back. */
    CompletableFuture<Void> forgotten(Session s);

    /** The root env (what new sessions start with) was written: completes once it is durable. */
    default CompletableFuture<Void> rootEnvChanged(java.util.Map<String, String> env) {
        return CompletableFuture.completedFuture(null);
    }
}
