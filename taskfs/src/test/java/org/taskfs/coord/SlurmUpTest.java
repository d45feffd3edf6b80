package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.testing.Ports;

/**
 * {@code taskfs up --slurm} in a real four-node Slurm allocation ({@link SlurmCluster}): the coordinator where the
 * job runs, a node daemon on every allocated node that joins it, one task per node; scancel ends them all, tasks
 * included.
 */
class SlurmUpTest extends ClusterTestBase {

    @Test
    void upInAnAllocationRunsOnEveryNodeAndScancelLeavesNothingBehind() throws Exception {
        Host.assumeRoot();
        SlurmCluster slurm = SlurmCluster.shared();
        int port = Ports.unusedBelowEphemeralRange();
        Path script = Files.createTempFile(slurm.dir, "up", ".sh");
        String auth = "munge=" + slurm.munged.socket;
        Files.writeString(script, "#!/bin/sh\nexec " + javaBinary() + " -cp " + classpath()
                + " org.taskfs.cli.Main up --slurm --listen 'tcp!*!" + port + "' --auth " + auth + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = slurm.dir.resolve("up-" + port + ".log");
        SlurmCluster.Run submitted = slurm.run(List.of("sbatch", "--parsable", "-N", String.valueOf(SlurmCluster.NODES),
                "--ntasks-per-node=1", "-o", log.toString(), script.toString()));
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        String job = submitted.out().strip();
        try {
            DialAddress at = DialAddress.tcp("127.0.0.1", port);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        try (Sh probe = Sh.connect(at)) {
                            return probe.lines("/ns").stream().filter(l -> l.contains("state=up")).count()
                                    == SlurmCluster.NODES;
                        }
                    });
            Sh sh = sh(at);
            List<String> ns = sh.lines("/ns");
            assertThat(ns).extracting(l -> l.split(" ")[2]).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");

            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res " + SlurmCluster.NODES);
            sh.echo("/" + s + "/ctl", "exec sh -c 'echo $SLURMD_NODENAME'");
            assertThat(Sh.split(sh.cat("/" + s + "/stdio"))).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");

            // Tasks still running when the allocation ends go with it.
            String sleeper = uniqueSleep(600);
            String t = sh.newSession();
            sh.echo("/" + t + "/ctl", "res " + SlurmCluster.NODES);
            sh.echo("/" + t + "/ctl", "exec " + sleeper);
            String marker = markerOf(sleeper);
            await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker).size() == SlurmCluster.NODES);

            SlurmCluster.Run cancelled = slurm.run(List.of("scancel", job));
            assertThat(cancelled.exit()).as(cancelled.err()).isZero();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> slurm.jobs().isEmpty());
            await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker).isEmpty());
            // No coordinator (its command line has tcp!*!PORT) and no node daemon (--join tcp!HOST!PORT) is left.
            await().atMost(Duration.ofSeconds(30)).until(() -> processesWith("!" + port).isEmpty());
        } finally {
            slurm.run(List.of("scancel", job));
        }
    }
}
