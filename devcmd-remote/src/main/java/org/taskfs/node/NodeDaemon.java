package org.taskfs.node;

import java.nio.file.Path;
import java.time.Duration;
import org.taskfs.node.task.NodeTasks;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.HostInfo;
import org.taskfs.task.Security;
import org.taskfs.task.TaskServer;
import org.taskfs.task.TaskTree;

/** A running node daemon: its local tasks served over 9P at an address, in the tree every task server serves. */
public final class NodeDaemon implements AutoCloseable {
    /** The node's default port, as in the seed transcript. */
    public static final int DEFAULT_PORT = 6666;

    /**
     * @param listen      where to serve (port 0 picks one)
     * @param slots       how many tasks it offers to run at once (at least 1)
     * @param scratch     parent of the tasks' private directories; null for one under java.io.tmpdir
     * @param idleTimeout how long a finished, untouched session is kept
     * @param security    authentication of remote peers and the admin group
     * @param orphanGrace how long a coordinator's session outlives the coordinator letting go of it
     * @param spool       where the tasks' output logs are kept (in a directory of this daemon's); null for one
     *                    under the scratch directory
     * @param outputLimit bytes of stdout and stderr together a run may write before its task is killed; 0 for
     *                    no limit
     */
    public record Config(DialAddress listen, int slots, Path scratch, Duration idleTimeout, Security security,
                         Duration orphanGrace, Path spool, long outputLimit) {
        public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofMinutes(5);

        public Config {
            NodeTasks.checkSlots(slots);
            if (outputLimit < 0) {
                throw new IllegalArgumentException("output limit: a number of bytes 0 or more, not " + outputLimit);
            }
        }

        public Config(DialAddress listen, int slots, Path scratch, Duration idleTimeout, Security security) {
            this(listen, slots, scratch, idleTimeout, security, DEFAULT_ORPHAN_GRACE, null, 0);
        }

        public static Config defaults(DialAddress listen) {
            return new Config(listen, Runtime.getRuntime().availableProcessors(), null, Duration.ofMinutes(10),
                    Security.LOCAL);
        }

        public Config withOrphanGrace(Duration d) {
            return new Config(listen, slots, scratch, idleTimeout, security, d, spool, outputLimit);
        }

        public Config withSlots(int n) {
            return new Config(listen, n, scratch, idleTimeout, security, orphanGrace, spool, outputLimit);
        }

        public Config withScratch(Path dir) {
            return new Config(listen, slots, dir, idleTimeout, security, orphanGrace, spool, outputLimit);
        }

        public Config withIdleTimeout(Duration d) {
            return new Config(listen, slots, scratch, d, security, orphanGrace, spool, outputLimit);
        }

        public Config withSecurity(Security s) {
            return new Config(listen, slots, scratch, idleTimeout, s, orphanGrace, spool, outputLimit);
        }

        public Config withSpool(Path dir) {
            return new Config(listen, slots, scratch, idleTimeout, security, orphanGrace, dir, outputLimit);
        }

        public Config withOutputLimit(long bytes) {
            return new Config(listen, slots, scratch, idleTimeout, security, orphanGrace, spool, bytes);
        }
    }

    private final TaskServer server;
    private final TaskfsBin bin;

    private NodeDaemon(TaskServer server, TaskfsBin bin) {
        this.server = server;
        this.bin = bin;
    }

    public static NodeDaemon start(Config config) {
        TaskfsBin bin = TaskfsBin.prepare();
        TaskServer server;
        try {
            server = TaskServer.start(config.listen(), "node", config.scratch(), config.idleTimeout(),
                    config.security(),
                    scratch -> new NodeTasks(scratch, config.spool(), config.outputLimit(), config.slots(),
                            HostInfo.LOCAL, config.orphanGrace()));
        } catch (RuntimeException e) {
            if (bin != null) {
                bin.close();
            }
            throw e;
        }
        NodeTasks tasks = (NodeTasks) server.tree().backend();
        tasks.siblings().bin(bin != null ? bin.dir() : null);
        tasks.siblings().auth(taskAuth(config.security().auth()));
        return new NodeDaemon(server, bin);
    }

    /**
     * What a task's client says to this node's servers as its own user: what they ask of it (with munge, this
     * machine's munged vouches for the task's uid). A shared key is the admin's, not the users': none is given.
     */
    private static String taskAuth(AuthMethod auth) {
        return auth instanceof AuthMethod.Key ? null : auth.toString();
    }

    public DialAddress address() {
        return server.address();
    }

    public NodeTasks tasks() {
        return (NodeTasks) server.tree().backend();
    }

    public TaskTree tree() {
        return server.tree();
    }

    /** Stops serving and kills every task's process group. */
    @Override
    public void close() {
        server.close();
        if (bin != null) {
            bin.close();
        }
    }
}
