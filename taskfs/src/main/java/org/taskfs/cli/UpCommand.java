package org.taskfs.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.pool.Pool;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Security;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code taskfs up}: the embedded default, a coordinator with local node daemons. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a coordinator with K local node daemons on loopback (and optionally mount it); "
                + "Ctrl-C stops everything.")
final class UpCommand implements Callable<Integer> {
    @Option(names = "--nodes", paramLabel = "K", defaultValue = "4",
            description = "Node daemons to start (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "tcp!127.0.0.1!5555",
            description = "The coordinator's address (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--node-port", paramLabel = "PORT", defaultValue = "6666",
            description = "Port of the first node, the others following; 0 picks free ports (default: ${DEFAULT-VALUE}).")
    int nodePort;

    @Option(names = "--slots", paramLabel = "K", defaultValue = "0",
            description = "Slots per node (default: the number of processors).")
    int slots;

    @Option(names = "--mount", paramLabel = "DIR", description = "Also mount the coordinator on DIR with FUSE; what the "
            + "server refuses goes to taskfs-mount-PID.log in $XDG_RUNTIME_DIR (else the temporary directory), named "
            + "at start.")
    Path mount;

    @Mixin
    ListenGuard guard;

    @Mixin
    ServerSecurity security;

    @Mixin
    PoolOptions pool;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--nodes must be 1 or more");
        }
        Pool.Settings timings = pool.settings();
        DialAddress at = DialAddress.parse(listen, Coordinator.DEFAULT_PORT);
        Security sec = security.security();
        guard.check(at, sec.auth());
        if (mount != null) {
            org.taskfs.fuse.FuseMount.checkMountPoint(mount); // before anything starts that would have to stop again
        }
        // The nodes are on loopback, but they get the same security: a coordinator dials them with it.
        LocalCluster cluster = LocalCluster.start(Coordinator.Config.defaults(at).withSecurity(sec)
                .withPool(timings), nodes, nodePort, slots);
        cluster.coordinator().sessions().queue().defaultWait(pool.resWait);
        AutoCloseable mounted;
        Path mountLog = Mounts.defaultLog();
        try {
            if (mount == null) {
                mounted = () -> { };
            } else {
                org.taskfs.fuse.FuseMount m = Mounts.mount(cluster.address(), mount, sec.auth(), mountLog);
                mounted = m;
                Mounts.offerToTasks(cluster, m.dir());
            }
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                mounted.close();
            } catch (Exception e) {
                System.err.println("taskfs up: unmount failed: " + e.getMessage());
            }
            cluster.close();
            stopped.countDown();
        }, "taskfs-up-shutdown"));
        System.out.println("taskfs up: coordinator on " + cluster.address() + " with " + nodes + " node"
                + (nodes == 1 ? "" : "s") + ":");
        for (NodeDaemon n : cluster.nodes()) {
            System.out.println("  node " + n.address() + " (" + n.tasks().slots() + " slots)");
        }
        if (mount != null) {
            System.out.println("mounted on " + mount + " (log " + mountLog + "):");
            System.out.println("  cat " + mount + "/clone; echo res 4 > " + mount + "/0/ctl; echo exec hostname > "
                    + mount + "/0/ctl; cat " + mount + "/0/stdio");
        } else {
            System.out.println("try:  export TASKFS_ADDR='" + cluster.address() + "'");
            System.out.println("      bin/taskfs run -n 4 --tagged -- hostname");
            System.out.println("  or: bin/taskfs mount $TASKFS_ADDR /mnt/taskfs   (then cat, echo, ls)");
        }
        System.out.println("Ctrl-C stops everything.");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
