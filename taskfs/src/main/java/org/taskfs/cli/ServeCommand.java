package org.taskfs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.pool.Pool;
import org.taskfs.coord.pool.SlurmGrowth;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Security;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code taskfs serve}: a coordinator over nodes given on the command line or in a hostfile. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a coordinator: mounts node daemons (or other coordinators) and serves sessions over 9P.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "tcp!127.0.0.1!5555",
            description = "Dial string to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--node", paramLabel = "ADDR", description = "A node (or coordinator) to mount; repeatable. "
            + "A hostlist ('n[1-4]', 'n[1-4]:7000') is one node per name, named after its host.")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--hostfile", paramLabel = "FILE",
            description = "Nodes to mount, one per line: NAME ADDR or ADDR (port 6666 if none), # comments; "
                    + "either may be a hostlist: 'n[1-4]', or 'n[1-4] 10.0.0.[11-14]' paired in order.")
    Path hostfile;

    @Option(names = "--spool", paramLabel = "DIR",
            description = "The directory, this coordinator's alone, where it keeps its copies of the tasks' output "
                    + "(default: a new one under the temp dir).")
    Path spool;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Keep sessions and the pool in DIR (made if missing), so that a coordinator restarted on it "
                    + "takes its sessions back from the nodes; a second one on the same DIR stands by and takes over "
                    + "when the first dies.")
    Path state;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Release finished, untouched sessions after this long (default: ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--slurm-partition", paramLabel = "P",
            description = "Grow through Slurm: a res that does not fit now asks Slurm (sbatch) for whole nodes of "
                    + "partition P, each running a node daemon that joins this coordinator with --auth; the res "
                    + "waits (Pending, with Slurm's state and reason) until they join, and fails with Slurm's words "
                    + "if the allocation is refused or ends first. Needs --auth other than none.")
    String slurmPartition;

    @Option(names = "--slurm-max-nodes", paramLabel = "N", defaultValue = "4",
            description = "With --slurm-partition: the most nodes held from Slurm at once (default: ${DEFAULT-VALUE}).")
    int slurmMaxNodes;

    @Option(names = "--slurm-time", paramLabel = "TIME",
            description = "With --slurm-partition: each allocation's time limit, in Slurm's syntax (sbatch --time: "
                    + "30, 2:00:00, 1-0; default: the partition's).")
    String slurmTime;

    @Option(names = "--slurm-idle", paramLabel = "SECONDS", defaultValue = "300",
            converter = PoolOptions.Seconds.class,
            description = "With --slurm-partition: hand an allocation back (scancel) once no session has had tasks "
                    + "on any of its nodes for this long (default: ${DEFAULT-VALUE}).")
    Duration slurmIdle;

    @Mixin
    ListenGuard guard;

    @Mixin
    ServerSecurity security;

    @Mixin
    PoolOptions pool;

    /** The growth settings; a usage error if they cannot work. */
    private SlurmGrowth.Settings slurm(Security sec) {
        if (sec.auth() instanceof org.taskfs.styx.auth.AuthMethod.None) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slurm-partition needs --auth (munge, as "
                    + "Slurm itself uses, or key=FILE): the nodes Slurm gives join this coordinator over the network");
        }
        if (pool.resWait != null && pool.resWait.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slurm-partition with --res-wait 0: a res "
                    + "that does not fit would fail at once rather than wait for the nodes Slurm gives");
        }
        try {
            String auth = security.auth;
            return new SlurmGrowth.Settings(slurmPartition, slurmMaxNodes, slurmTime, slurmIdle,
                    coordinator -> SelfCommand.of(List.of("node", "--listen", "tcp!0.0.0.0!0", "--join", coordinator,
                            "--auth", auth)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        Pool.Settings timings = pool.settings();
        DialAddress at = DialAddress.parse(listen, Coordinator.DEFAULT_PORT);
        Security sec = security.security();
        guard.check(at, sec.auth());
        List<Coordinator.MemberSpec> members = new ArrayList<>();
        for (String n : nodes) {
            try {
                members.addAll(Hostfile.members(n));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--node " + n + ": " + e.getMessage());
            }
        }
        if (hostfile != null) {
            members.addAll(Hostfile.read(hostfile));
        }
        Coordinator.Config config = Coordinator.Config.defaults(at).withMembers(members)
                .withIdleTimeout(Duration.ofSeconds(idleSeconds)).withSecurity(sec).withPool(timings)
                .withScratch(spool).withState(state);
        if (slurmPartition != null) {
            config = config.withSlurm(slurm(sec));
        }
        Coordinator c = Coordinator.start(config);
        c.sessions().queue().defaultWait(pool.resWait);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            c.close();
            stopped.countDown();
        }, "taskfs-serve-shutdown"));
        System.err.println("taskfs serve: serving on " + c.address() + " with " + c.pool().members().size()
                + " members (auth " + sec.auth() + ")");
        System.err.print(c.pool().ns());
        if (slurmPartition != null) {
            System.err.println("taskfs serve: growing through Slurm partition " + slurmPartition + " (at most "
                    + slurmMaxNodes + " node" + (slurmMaxNodes == 1 ? "" : "s") + ", handed back after "
                    + Pool.Settings.seconds(slurmIdle) + " idle)");
        }
        stopped.await();
        return 0;
    }
}
