package org.taskfs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.taskfs.coord.Coordinator;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Security;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code taskfs node}: a node daemon running this machine's tasks. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run a node daemon: serves the task interface over 9P and runs tasks as local processes.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "tcp!127.0.0.1!6666",
            description = "Dial string to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--slots", paramLabel = "K",
            description = "Tasks offered to run at once (default: the number of processors; in a Slurm job step "
                    + "that joins a coordinator, $SLURM_CPUS_ON_NODE).")
    Integer slots;

    @Option(names = "--scratch", paramLabel = "DIR",
            description = "Where tasks get their private directories (default: a new one under the temp dir).")
    Path scratch;

    @Option(names = "--spool", paramLabel = "DIR",
            description = "Where tasks' stdout and stderr are kept, in a directory of this node's, owned by each"
                    + " task's user (default: in the scratch directory, outside every task's working directory).")
    Path spool;

    @Option(names = "--output-limit", paramLabel = "BYTES", converter = ByteCount.class,
            description = "Kill a task whose stdout and stderr together exceed this (e.g. 10M, 1G; default: no"
                    + " limit). Its wait message says so.")
    Long outputLimit;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Release finished, untouched tasks after this long (default: ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--orphan-grace", paramLabel = "SECONDS", defaultValue = "300",
            description = "Keep the tasks of a coordinator that went away running this long, then kill them and"
                    + " free their slots (default: ${DEFAULT-VALUE}).")
    long orphanGraceSeconds;

    @Option(names = "--mount", paramLabel = "DIR",
            description = "Mount the coordinator this node's sessions come through on DIR (an empty directory) with"
                    + " FUSE, each user seeing their own sessions there, and give tasks TASKFS_MNT, their session's"
                    + " directory in it.")
    Path mount;

    @Option(names = "--join", paramLabel = "ADDR",
            description = "Join the coordinator at ADDR once serving: it is asked to mount this node (authenticated"
                    + " with --auth; the node's user must be an admin there), waited for if it is not up yet, joined"
                    + " again if it restarts, and left when this node stops.")
    String join;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The name this node joins its coordinator under (default: $SLURMD_NODENAME in a Slurm job "
                    + "step, else this machine's host name).")
    String name;

    @picocli.CommandLine.Mixin
    ListenGuard guard;

    @picocli.CommandLine.Mixin
    ServerSecurity security;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (slots != null && slots < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--slots: at least 1 slot is needed, not " + slots);
        }
        if (name != null && join == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--name: the name is the one this node joins a coordinator under; give --join ADDR too");
        }
        // In a job step (taskfs up --slurm) the node is who Slurm says, with the CPUs Slurm gave it.
        String slurmName = System.getenv("SLURMD_NODENAME");
        String memberName = name != null ? name : slurmName != null ? slurmName : org.taskfs.task.Accounts.HOST;
        if (slots == null && join != null && slurmName != null) {
            slots = slurmCpus(System.getenv("SLURM_CPUS_ON_NODE"));
        }
        if (join != null && !memberName.matches("[A-Za-z0-9._-]+")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--name " + memberName
                    + ": a member's name is letters, digits, '.', '_' and '-'");
        }
        DialAddress coordinator = join == null ? null : DialAddress.parse(join, Coordinator.DEFAULT_PORT);
        DialAddress at = DialAddress.parse(listen, NodeDaemon.DEFAULT_PORT);
        Security sec = security.security();
        guard.check(at, sec.auth());
        NodeDaemon.Config config = NodeDaemon.Config.defaults(at).withIdleTimeout(Duration.ofSeconds(idleSeconds))
                .withSecurity(sec).withOrphanGrace(Duration.ofSeconds(orphanGraceSeconds));
        if (slots != null) {
            config = config.withSlots(slots);
        }
        if (scratch != null) {
            config = config.withScratch(scratch);
        }
        if (spool != null) {
            config = config.withSpool(spool);
        }
        if (outputLimit != null) {
            config = config.withOutputLimit(outputLimit);
        }
        if (mount != null && !java.nio.file.Files.isDirectory(mount)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mount " + mount + ": "
                    + (java.nio.file.Files.exists(mount) ? "not a directory" : "no such directory")
                    + "; make an empty directory for the coordinator's mount (mkdir -p " + mount + ")");
        }
        NodeDaemon node = NodeDaemon.start(config);
        AutoCloseable mounted = mount == null ? () -> { } : Mounts.forTasks(node, mount, sec.auth());
        Registration joined = coordinator == null ? null : new Registration(coordinator,
                ClientOptions.defaults().withAuth(sec.auth()), node.tasks().address(), memberName,
                node.tasks().slots(), System.err);
        // 0 once stopped by a signal; 1 if the coordinator refused this node.
        CompletableFuture<Integer> outcome = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (joined != null) {
                joined.close(); // leaves the coordinator before its tasks end here
            }
            try {
                mounted.close();
            } catch (Exception e) {
                System.err.println("taskfs node: unmount of " + mount + " failed: " + e.getMessage());
            }
            node.close();
            outcome.complete(0);
        }, "taskfs-node-shutdown"));
        System.err.println("taskfs node: serving on " + node.address() + " with " + node.tasks().slots()
                + " slots (" + node.tasks().host() + ", auth " + sec.auth() + ")");
        if (joined != null) {
            warnIfUnreachable(coordinator, node.tasks().address());
            joined.refused().thenAccept(words -> outcome.complete(1));
            joined.start();
        }
        return outcome.get();
    }

    /** A coordinator elsewhere cannot dial a node that listens on loopback: say so before it refuses. */
    /** Slurm's CPU count for this node, or null if it gives none we can read. */
    private static Integer slurmCpus(String value) {
        try {
            return value == null ? null : Math.max(1, Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void warnIfUnreachable(DialAddress coordinator, String advertised) {
        if (!coordinator.isLocalOnly() && DialAddress.parse(advertised, NodeDaemon.DEFAULT_PORT).isLocalOnly()) {
            System.err.println("taskfs node: warning: this node listens on " + advertised + ", which a coordinator on"
                    + " another machine cannot dial; listen on tcp!0.0.0.0!" + NodeDaemon.DEFAULT_PORT
                    + " (with --auth) for it to mount this node");
        }
    }
}
