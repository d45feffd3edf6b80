package org.taskfs.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.node.exec.Native.LibC;

/** Many processes at once are watched and reaped without a thread each. */
class SpawnerReapingTest {

    /** Threads the JVM may gain while hundreds of processes run: well under one per process. */
    private static final int THREAD_GROWTH_BOUND = 8;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private Spawner spawner;
    private int runs;

    @AfterEach
    void shutDown() {
        if (spawner != null) {
            spawner.shutdown(Duration.ofSeconds(1));
        }
    }

    private RunningProcess run(String... argv) throws SpawnException {
        runs++;
        return spawner.spawn(SpawnSpec.of(List.of(argv), dir, dir.resolve("out" + runs), dir.resolve("err" + runs)));
    }

    @Test
    void fiveHundredProcessesNeedNoThreadEach() throws Exception {
        spawner = new Spawner();
        assertManyProcessesAreWatchedWithFewThreads(500, true);
    }

    @Test
    void withoutPidfdsProcessesAreStillReapedWithoutAThreadEach() throws Exception {
        spawner = new Spawner(Spawner.DEFAULT_STDIN_LIMIT, 0, false);
        assertManyProcessesAreWatchedWithFewThreads(100, false);
    }

    private void assertManyProcessesAreWatchedWithFewThreads(int count, boolean pidfds) throws Exception {
        // Warm up: the shared I/O loop and whatever else a first spawn starts are not what is measured.
        ExecTesting.await(run("true"));
        int threadsBefore = THREADS.getThreadCount();
        long pidfdsBefore = openPidfds();

        List<RunningProcess> sleepers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sleepers.add(run("sleep", "1000"));
        }
        RunningProcess busy = run("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
        ExitStatus busyStatus = ExecTesting.await(busy);
        int threadsWhileRunning = THREADS.getThreadCount();
        System.out.printf("%d processes: %d JVM threads before, %d while they run%n", count, threadsBefore,
                threadsWhileRunning);

        assertThat(sleepers).allMatch(RunningProcess::isAlive);
        assertThat(sleepers).allMatch(p -> stateOfChild(p.pid()) != null && stateOfChild(p.pid()) != 'Z');
        assertThat(threadsWhileRunning - threadsBefore).as("threads gained while %d processes run", count)
                .isLessThanOrEqualTo(THREAD_GROWTH_BOUND);
        // Each sleeper is watched by the loop, through a pidfd of its own or by polling its pid.
        int[] watched = IoLoop.shared().watchedExits();
        assertThat(watched[pidfds ? 0 : 1]).isGreaterThanOrEqualTo(count);
        assertThat(openPidfds() - pidfdsBefore).isEqualTo(pidfds ? count : 0);

        // The wait line carries the CPU time the kernel measured, also with hundreds of processes around.
        String[] line = busyStatus.waitLine().split(" ");
        assertThat(line[0]).isEqualTo(String.valueOf(busy.pid()));
        assertThat(Long.parseLong(line[1])).as("USER_MS of %s", busyStatus.waitLine()).isPositive();
        assertThat(busyStatus.success()).isTrue();

        for (RunningProcess p : sleepers) {
            assertThat(p.signal(LibC.SIGKILL)).isTrue();
        }
        CompletableFuture.allOf(sleepers.stream().map(RunningProcess::exit).toArray(CompletableFuture[]::new))
                .get(ExecTesting.TIMEOUT_S, TimeUnit.SECONDS);
        for (RunningProcess p : sleepers) {
            ExitStatus st = p.exit().getNow(null);
            assertThat(st.signal()).isEqualTo(LibC.SIGKILL);
            assertThat(st.waitLine()).startsWith(p.pid() + " ").endsWith(" killed\n");
            assertThat(p.isAlive()).isFalse();
        }
        // Reaped, not left as zombies, and not running: none of them is a child of ours any more.
        Set<Integer> pids = new HashSet<>();
        sleepers.forEach(p -> pids.add(p.pid()));
        assertThat(childrenOfThisJvm()).doesNotContainAnyElementsOf(pids);
        // The loop closed every pidfd it reaped through.
        assertThat(openPidfds()).isLessThanOrEqualTo(pidfdsBefore);
        await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S))
                .until(() -> THREADS.getThreadCount() <= threadsBefore + THREAD_GROWTH_BOUND);
    }

    /** Pidfds this JVM holds. */
    private static long openPidfds() throws IOException {
        long n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[pidfd]")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    /** The state letter of {@code pid} if it is a child of this JVM, else null. */
    private static Character stateOfChild(int pid) {
        String[] f = stat(Path.of("/proc", String.valueOf(pid)));
        return f != null && Long.parseLong(f[1]) == SELF ? f[0].charAt(0) : null;
    }

    /** Pids of every child of this JVM, zombies included. */
    private static Set<Integer> childrenOfThisJvm() throws IOException {
        Set<Integer> children = new HashSet<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String[] f = stat(proc);
                if (f != null && Long.parseLong(f[1]) == SELF) {
                    children.add(Integer.parseInt(proc.getFileName().toString()));
                }
            }
        }
        return children;
    }

    /** The fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...), or null if it is gone. */
    private static String[] stat(Path proc) {
        String stat;
        try {
            stat = Files.readString(proc.resolve("stat"));
        } catch (IOException gone) {
            return null;
        }
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
