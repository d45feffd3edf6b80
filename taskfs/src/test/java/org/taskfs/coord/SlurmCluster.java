package org.taskfs.coord;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.testing.PrivateMunged;

/**
 * A real Slurm on this one machine (Debian's slurm-wlm): slurmctld and four slurmd, each slurmd a node of its
 * own (n1..n4, all on localhost at their own ports), authenticating with a private munged. One per test JVM,
 * started on first use and stopped at exit; every job is cancelled and waited for before the daemons stop.
 */
final class SlurmCluster {
    static final int NODES = 4;
    static final int CPUS = 4;

    private static SlurmCluster shared;

    /** A partition of the same nodes whose time limit is one minute: a longer --time is refused by sbatch. */
    static final String SHORT_PARTITION = "short";

    final Path dir;
    final Path conf;
    final PrivateMunged munged;
    /** Which of the 50 port blocks this cluster uses: slurmctld's port and its slurmds' follow from it. */
    private final int block;

    private SlurmCluster(Path dir, PrivateMunged munged) {
        this.dir = dir;
        this.conf = dir.resolve("slurm.conf");
        this.munged = munged;
        this.block = freeBlock();
    }

    /**
     * A block no other cluster on this machine listens on (another test JVM may run one): from this JVM's pid, the
     * first whose ports are all free.
     */
    private static int freeBlock() {
        int first = (int) (ProcessHandle.current().pid() % 50);
        for (int i = 0; i < 50; i++) {
            int b = (first + i) % 50;
            List<Integer> ports = new ArrayList<>(List.of(16900 + b));
            for (int n = 1; n <= NODES; n++) {
                ports.add(slurmdPort(b, n));
            }
            if (ports.stream().allMatch(SlurmCluster::free)) {
                return b;
            }
        }
        throw new IllegalStateException("no free block of ports for a Slurm cluster in 16900-17499");
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.bind(new java.net.InetSocketAddress("0.0.0.0", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static synchronized SlurmCluster shared() {
        if (shared == null) {
            shared = start();
            SlurmCluster s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "slurm-stop"));
        }
        return shared;
    }

    private static SlurmCluster start() {
        try {
            Path dir = Files.createTempDirectory("tf-slurm");
            PrivateMunged munged = PrivateMunged.start();
            SlurmCluster s = new SlurmCluster(dir, munged);
            for (String d : List.of("state", "spool", "run", "log")) {
                Files.createDirectories(dir.resolve(d));
            }
            Files.writeString(s.conf, s.config(), StandardCharsets.UTF_8);
            s.daemon("slurmctld", "-f", s.conf.toString(), "-i");
            for (int i = 1; i <= NODES; i++) {
                s.daemon("slurmd", "-f", s.conf.toString(), "-N", "n" + i);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> s.run(List.of("sinfo", "-h", "-t", "idle", "-o", "%D")).out().strip()
                            .equals(String.valueOf(NODES)));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String config() {
        return String.join("\n",
                "ClusterName=taskfstest",
                "SlurmctldHost=localhost",
                "SlurmUser=root",
                "SlurmdUser=root",
                "SlurmctldPort=" + (16900 + block),
                "AuthType=auth/munge",
                "CredType=cred/munge",
                "AuthInfo=socket=" + munged.socket,
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool") + "/%n",
                "SlurmctldPidFile=" + dir.resolve("run/slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("run") + "/slurmd-%n.pid",
                "SlurmctldLogFile=" + dir.resolve("log/slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("log") + "/slurmd-%n.log",
                "MailProg=/bin/true",
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core",
                "SchedulerType=sched/backfill",
                "SchedulerParameters=batch_sched_delay=0",
                "MpiDefault=none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "ReturnToService=2",
                "EnforcePartLimits=ALL",
                "SlurmdParameters=config_overrides",
                "KillWait=5",
                "NodeName=n[1-" + NODES + "] NodeHostname=localhost NodeAddr=127.0.0.1 Port=["
                        + slurmdPort(block, 1) + "-" + slurmdPort(block, NODES) + "] Sockets=1 CoresPerSocket=" + CPUS
                        + " ThreadsPerCore=1 RealMemory=2000 State=UNKNOWN",
                "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                "PartitionName=" + SHORT_PARTITION + " Nodes=ALL MaxTime=1 State=UP",
                "");
    }

    private static int slurmdPort(int block, int node) {
        return 17000 + block * 10 + node;
    }

    /** Environment for Slurm's client commands. */
    Map<String, String> env() {
        return Map.of("SLURM_CONF", conf.toString());
    }

    record Run(int exit, String out, String err) {}

    /** Runs a command with this cluster's SLURM_CONF, waiting at most two minutes. */
    Run run(List<String> cmd) {
        return run(cmd, Duration.ofMinutes(2));
    }

    Run run(List<String> cmd, Duration atMost) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env());
            Path err = Files.createTempFile(dir, "err", ".txt");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("did not end in " + atMost + ": " + cmd);
            }
            String e = Files.readString(err);
            Files.deleteIfExists(err);
            return new Run(p.exitValue(), out, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void daemon(String... cmd) {
        Run r = run(List.of(cmd));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " did not start: " + r.err() + log());
        }
    }

    String log() {
        try (var files = Files.list(dir.resolve("log"))) {
            StringBuilder b = new StringBuilder();
            for (Path f : files.toList()) {
                List<String> lines = Files.readAllLines(f);
                b.append("\n--- ").append(f.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
            return b.toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** The jobs in the queue, one id per line. */
    List<String> jobs() {
        List<String> ids = new ArrayList<>();
        for (String l : run(List.of("squeue", "-h", "-o", "%i")).out().split("\n")) {
            if (!l.isBlank()) {
                ids.add(l.strip());
            }
        }
        return ids;
    }

    /** Cancels every job and waits for the queue to empty (slurmd does not kill steps when it dies itself). */
    void cancelAll() {
        run(List.of("scancel", "--user=root"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> jobs().isEmpty());
    }

    private void stop() {
        try {
            cancelAll();
        } catch (RuntimeException e) {
            // the daemons go regardless
        }
        try (var pids = Files.list(dir.resolve("run"))) {
            for (Path pid : pids.toList()) {
                long p = Long.parseLong(Files.readString(pid).strip());
                ProcessHandle.of(p).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | NumberFormatException e) {
            // nothing more to stop
        }
        munged.close();
    }
}
