package org.taskfs.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.dial.DialAddress;

/**
 * The node daemons of a Slurm allocation: one on every allocated node, started as one job step ({@code srun
 * --overlap}, so the user's own steps still fit beside it) and each joining the coordinator. Slurm ends the step
 * with the allocation (scancel, the time limit); closing it ends it sooner. A node daemon that ends kills its
 * tasks, so nothing of taskfs outlives the step.
 */
final class SlurmStep implements AutoCloseable {
    /** The allocation this process runs in, from the environment Slurm gives a job. */
    record Allocation(String jobId, int nodes) {
        static Allocation fromEnvironment(Map<String, String> env) {
            String job = env.get("SLURM_JOB_ID");
            if (job == null) {
                throw new IllegalArgumentException("--slurm: not inside a Slurm allocation (no SLURM_JOB_ID): run it "
                        + "under salloc or in an sbatch script");
            }
            String n = env.getOrDefault("SLURM_JOB_NUM_NODES", env.getOrDefault("SLURM_NNODES", "1"));
            try {
                return new Allocation(job, Integer.parseInt(n));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--slurm: SLURM_JOB_NUM_NODES is \"" + n + "\", not a number");
            }
        }
    }

    private final Process srun;

    private SlurmStep(Process srun) {
        this.srun = srun;
    }

    /**
     * Starts the step: {@code taskfs node --join COORDINATOR} on every node of {@code allocation}, listening on a
     * free port of every address there (the node takes its name and slots from Slurm's environment).
     */
    static SlurmStep start(Allocation allocation, DialAddress coordinator, String auth) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("srun", "--overlap", "--nodes=" + allocation.nodes(),
                "--ntasks-per-node=1", "--kill-on-bad-exit=0", "--job-name=taskfs-nodes"));
        cmd.addAll(SelfCommand.of(List.of("node", "--listen", "tcp!0.0.0.0!0", "--join", coordinator.toString(),
                "--auth", auth)));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return new SlurmStep(pb.start());
    }

    /** Completes with srun's exit code when the step has ended. */
    CompletableFuture<Integer> ended() {
        return srun.onExit().thenApply(Process::exitValue);
    }

    /** Ends the step: srun is asked (SIGTERM, which Slurm passes to the daemons), then made to. */
    @Override
    public void close() {
        srun.destroy();
        try {
            if (!srun.waitFor(30, TimeUnit.SECONDS)) {
                srun.destroyForcibly();
                srun.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            srun.destroyForcibly();
        }
    }
}
