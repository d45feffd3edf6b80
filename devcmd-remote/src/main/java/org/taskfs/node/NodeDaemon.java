package org.taskfs.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.taskfs.node.task.NodeTasks;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Scratch;
import org.taskfs.task.TaskTree;

/** A running node daemon: its local tasks served over 9P at an address, in the tree every task server serves. */
public final class NodeDaemon implements AutoCloseable {
    /** The node's default port, as in the seed transcript. */
    public static final int DEFAULT_PORT = 6666;

    /**
     * @param listen      where to serve (port 0 picks one)
     * @param slots       how many tasks it offers to run at once
     * @param scratch     parent of the tasks' private directories; null for one under java.io.tmpdir
     * @param idleTimeout how long a finished, untouched session is kept
     */
    public record Config(DialAddress listen, int slots, Path scratch, Duration idleTimeout) {
        public static Config defaults(DialAddress listen) {
            return new Config(listen, Runtime.getRuntime().availableProcessors(), null, Duration.ofMinutes(10));
        }

        public Config withSlots(int n) {
            return new Config(listen, n, scratch, idleTimeout);
        }

        public Config withScratch(Path dir) {
            return new Config(listen, slots, dir, idleTimeout);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(listen, slots, scratch, d);
        }
    }

    private final TaskTree tree;
    private final NodeTasks tasks;
    private final StyxServer server;
    /** The scratch directory the daemon made itself, removed when it stops; null if it was given one. */
    private final Path ownScratch;

    private NodeDaemon(TaskTree tree, NodeTasks tasks, StyxServer server, Path ownScratch) {
        this.tree = tree;
        this.tasks = tasks;
        this.server = server;
        this.ownScratch = ownScratch;
    }

    public static NodeDaemon start(Config config) {
        Path scratch = config.scratch();
        if (scratch == null) {
            try {
                scratch = Files.createTempDirectory("taskfs-node-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a scratch directory", e);
            }
        }
        NodeTasks tasks = new NodeTasks(scratch, config.slots(), HostInfo.LOCAL);
        TaskTree tree = new TaskTree(tasks, config.idleTimeout());
        StyxServer server;
        try {
            server = StyxServer.listen(config.listen(), tree, ServerOptions.DEFAULTS);
        } catch (RuntimeException e) {
            tree.close();
            throw e;
        }
        tasks.address(server.address().toString());
        return new NodeDaemon(tree, tasks, server, config.scratch() == null ? scratch : null);
    }

    public DialAddress address() {
        return server.address();
    }

    public NodeTasks tasks() {
        return tasks;
    }

    public TaskTree tree() {
        return tree;
    }

    /** Stops serving and kills every task's process group. */
    @Override
    public void close() {
        server.close();
        tree.close();
        if (ownScratch != null) {
            Scratch.deleteTree(ownScratch);
        }
    }
}
