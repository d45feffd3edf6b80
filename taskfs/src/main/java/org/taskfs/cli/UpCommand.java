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

    @Option(names = "--listen", paramLabel = "ADDR",
            description = "The coordinator's address (default: tcp!127.0.0.1!5555; with --slurm tcp!*!5555, "
                    + "where every node of the allocation reaches it).")
    String listen;

    @Option(names = "--slurm", description = "Inside a Slurm allocation (salloc, sbatch): instead of local node "
            + "daemons, one on every allocated node, started as one job step (srun --overlap) and joining this "
            + "coordinator with --auth (munge, as Slurm itself uses). It all ends with the allocation or Ctrl-C.")
    boolean slurm;

    @Option(names = "--node-port", paramLabel = "PORT", defaultValue = "6666",
            description = "Port of the first node, the others following; 0 picks free ports (default: ${DEFAULT-VALUE}).")
    int nodePort;

    @Option(names = "--slots", paramLabel = "K", defaultValue = "0",
            description = "Slots per node (default: the number of processors).")
    int slots;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Keep sessions and the pool in DIR, as serve --state does. The local node daemons run in "
                    + "this process and die with it: a restart takes back the sessions, with their tasks Lost.")
    java.nio.file.Path state;

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
        DialAddress at = DialAddress.parse(listen != null ? listen : slurm ? "tcp!*!5555" : "tcp!127.0.0.1!5555",
                Coordinator.DEFAULT_PORT);
        Security sec = security.security();
        guard.check(at, sec.auth());
        if (slurm) {
            return upInAllocation(at, sec, timings);
        }
        if (mount != null) {
            org.taskfs.fuse.FuseMount.checkMountPoint(mount); // before anything starts that would have to stop again
        }
        // The nodes are on loopback, but they get the same security: a coordinator dials them with it.
        LocalCluster cluster = LocalCluster.start(Coordinator.Config.defaults(at).withSecurity(sec)
                .withPool(timings).withState(state), nodes, nodePort, slots);
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

    /** {@code up --slurm}: this coordinator, and node daemons on the allocation's nodes that join it. */
    private int upInAllocation(DialAddress at, Security sec, Pool.Settings timings) throws Exception {
        SlurmStep.Allocation allocation = SlurmStep.Allocation.fromEnvironment(System.getenv());
        Coordinator c = Coordinator.start(Coordinator.Config.defaults(at).withSecurity(sec).withPool(timings)
                .withState(state));
        SlurmStep step;
        try {
            step = SlurmStep.start(allocation, c.address().advertised(), security.auth);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            step.close();
            c.close();
            stopped.countDown();
        }, "taskfs-up-shutdown"));
        System.out.println("taskfs up: coordinator on " + c.address() + "; node daemons joining from the "
                + allocation.nodes() + " node" + (allocation.nodes() == 1 ? "" : "s") + " of job " + allocation.jobId());
        System.out.println("try:  export TASKFS_ADDR='" + c.address().advertised() + "' TASKFS_AUTH='" + security.auth
                + "'");
        System.out.println("      bin/taskfs run -n " + allocation.nodes() + " --tagged -- hostname");
        System.out.flush();
        // The step ends with the allocation; then so does this (its shutdown hook takes the coordinator down).
        step.ended().thenAccept(code -> {
            System.err.println("taskfs up: the node daemons' job step ended (srun exit " + code + "); stopping");
            System.exit(code == 0 ? 0 : 1);
        });
        stopped.await();
        return 0;
    }
}
