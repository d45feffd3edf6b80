package org.taskfs.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.taskfs.node.fs.NodeFileServer;
import org.taskfs.node.task.TaskTable;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Scratch;

/** A running node daemon: its task table served over 9P at an address. */
public final class NodeDaemon implements AutoCloseable {
    /** The node's default port, as in the seed transcript. */
    public static final int DEFAULT_PORT = 6666;

    /**
     * @param listen      where to serve (port 0 picks one)
     * @param slots       how many tasks it offers to run at once
     * @param scratch     parent of the tasks' private directories; null for one under java.io.tmpdir
     * @param idleTimeout how long a finished, untouched task is kept
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

    private final TaskTable table;
    private final StyxServer server;
    /** The scratch directory the daemon made itself, removed when it stops; null if it was given one. */
    private final Path ownScratch;

    private NodeDaemon(TaskTable table, StyxServer server, Path ownScratch) {
        this.table = table;
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
        TaskTable table = new TaskTable(scratch, config.slots(), config.idleTimeout(), HostInfo.LOCAL);
        StyxServer server;
        try {
            server = StyxServer.listen(config.listen(), new NodeFileServer(table), ServerOptions.DEFAULTS);
        } catch (RuntimeException e) {
            table.close();
            throw e;
        }
        table.address(server.address().toString());
        return new NodeDaemon(table, server, config.scratch() == null ? scratch : null);
    }

    public DialAddress address() {
        return server.address();
    }

    public TaskTable tasks() {
        return table;
    }

    /** Stops serving and kills every task's process group. */
    @Override
    public void close() {
        server.close();
        table.close();
        if (ownScratch != null) {
            Scratch.deleteTree(ownScratch);
        }
    }
}
