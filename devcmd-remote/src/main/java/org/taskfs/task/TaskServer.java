package org.taskfs.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * A task tree served over 9P at an address, node daemon and coordinator alike, with the scratch directory its
 * backend keeps files in. Stopping it releases every session, stops the backend and removes a scratch
 * directory it made itself.
 */
public final class TaskServer implements AutoCloseable {
    private final TaskTree tree;
    private final StyxServer server;
    /** The scratch directory made here, removed when the server stops; null if it was given one. */
    private final Path ownScratch;

    private TaskServer(TaskTree tree, StyxServer server, Path ownScratch) {
        this.tree = tree;
        this.server = server;
        this.ownScratch = ownScratch;
    }

    /**
     * @param scratch where the backend keeps its files; null for a new directory under java.io.tmpdir named
     *                after {@code kind}
     * @param security how remote peers authenticate, and who administers
     * @param backend makes the backend, given the scratch directory
     */
    public static TaskServer start(DialAddress listen, String kind, Path scratch, Duration idleTimeout,
                                   Security security, Function<Path, Backend> backend) {
        return start(listen, kind, scratch, idleTimeout, security, backend, tree -> {});
    }

    /** @param beforeServing given the tree before it is served (a restarted coordinator takes its sessions back) */
    public static TaskServer start(DialAddress listen, String kind, Path scratch, Duration idleTimeout,
                                   Security security, Function<Path, Backend> backend,
                                   java.util.function.Consumer<TaskTree> beforeServing) {
        Path dir = scratch;
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("taskfs-" + kind + "-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a scratch directory", e);
        }
        Path own = scratch == null ? dir : null;
        TaskTree tree;
        StyxServer server;
        try {
            tree = new TaskTree(backend.apply(dir), idleTimeout, security.adminGroup());
        } catch (RuntimeException e) {
            removeOwn(own);
            throw e;
        }
        try {
            beforeServing.accept(tree);
        } catch (RuntimeException e) {
            tree.close();
            removeOwn(own);
            throw e;
        }
        try {
            server = StyxServer.listen(listen, tree,
                    ServerOptions.DEFAULTS.withAuth(security.auth()).withSocketGroup(security.adminGroup()));
        } catch (RuntimeException e) {
            tree.close();
            removeOwn(own);
            throw e;
        }
        // TASKFS_ADDR must be dialable from a task: not 0.0.0.0, which reaches another machine's loopback.
        tree.backend().address(server.address().advertised().toString());
        return new TaskServer(tree, server, own);
    }

    private static void removeOwn(Path own) {
        if (own != null) {
            Scratch.deleteTree(own);
        }
    }

    public DialAddress address() {
        return server.address();
    }

    /** The address this server names itself by: TASKFS_ADDR of its sessions (see {@link DialAddress#advertised}). */
    public String advertised() {
        return tree.backend().address();
    }

    public TaskTree tree() {
        return tree;
    }

    /** Stops serving, releases every session (what runs is killed) and stops the backend. */
    @Override
    public void close() {
        server.close();
        tree.close();
        removeOwn(ownScratch);
    }
}
