package org.taskfs.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.taskfs.node.exec.ExecTesting.await;
import static org.taskfs.node.exec.ExecTesting.liveMembers;
import static org.taskfs.node.exec.ExecTesting.openDescriptors;
import static org.taskfs.node.exec.ExecTesting.readToEof;
import static org.taskfs.node.exec.ExecTesting.text;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.node.exec.Native.LibC;

class SpawnerTest {

    @TempDir
    Path dir;

    private final Spawner spawner = new Spawner();

    @AfterEach
    void shutDown() {
        spawner.shutdown(Duration.ofSeconds(1));
    }

    private RunningProcess run(String... argv) throws SpawnException {
        return spawner.spawn(spec(argv));
    }

    private int runs;

    /** A spec with logs of its own. */
    private SpawnSpec spec(String... argv) {
        runs++;
        return SpawnSpec.of(List.of(argv), dir, dir.resolve("out" + runs), dir.resolve("err" + runs));
    }

    @Test
    void hostnamePrintsTheHostsName() throws Exception {
        Process reference = new ProcessBuilder("hostname").start();
        String expected = new String(reference.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(reference.waitFor()).isZero();

        RunningProcess p = run("hostname");
        ExitStatus st = await(p);

        assertThat(text(p.stdout())).isEqualTo(expected).isNotBlank();
        assertThat(st.waitMessage()).isEmpty();
        assertThat(st.waitLine()).matches(p.pid() + " \\d+ \\d+ \\d+ ''\n");
    }

    @Test
    void exitCodeAndBothStreamsAreReported() throws Exception {
        RunningProcess p = run("sh", "-c", "echo out; echo err >&2; exit 3");
        ExitStatus st = await(p);

        assertThat(text(p.stdout())).isEqualTo("out\n");
        assertThat(text(p.stderr())).isEqualTo("err\n");
        assertThat(st.exitCode()).isEqualTo(3);
        assertThat(st.waitMessage()).isEqualTo("exit: 3");
        assertThat(st.waitLine()).isEqualTo(p.pid() + " " + st.userMs() + " " + st.sysMs() + " " + st.realMs() + " 'exit: 3'\n");
        assertThat(st.pid()).isEqualTo(p.pid());
        assertThat(st.userMs()).isNotNegative();
        assertThat(st.sysMs()).isNotNegative();
        assertThat(st.realMs()).isNotNegative().isLessThan(TimeUnit.SECONDS.toMillis(ExecTesting.TIMEOUT_S));
    }

    @Test
    void cpuTimeOfTheChildIsMeasured() throws Exception {
        RunningProcess p = run("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
        ExitStatus st = await(p);

        assertThat(st.success()).isTrue();
        assertThat(st.userMs()).isPositive();
        assertThat(st.realMs()).isGreaterThanOrEqualTo(st.userMs() / 2);
    }

    @Test
    void environmentAndDirectoryReachTheProcess() throws Exception {
        Path work = Files.createDirectory(dir.resolve("work dir")).toRealPath();
        SpawnSpec spec = new SpawnSpec(List.of("sh", "-c", "echo $FOO; pwd"), Map.of("FOO", "bar  baz", "PATH", "/usr/bin:/bin"),
                work, dir.resolve("out"), dir.resolve("err"), 0);
        RunningProcess p = spawner.spawn(spec);
        await(p);

        assertThat(text(p.stdout())).isEqualTo("bar baz\n" + work + "\n");
    }

    @Test
    void commandIsLookedUpInTheTasksPath() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path tool = bin.resolve("mytool");
        Files.writeString(tool, "#!/bin/sh\necho from mytool \"$@\"\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));

        RunningProcess p = spawner.spawn(spec("mytool", "x").withEnv(Map.of("PATH", bin + ":/usr/bin:/bin")));
        await(p);

        assertThat(text(p.stdout())).isEqualTo("from mytool x\n");
    }

    @Test
    void missingCommandFailsWithDevcmdsMessageAndLeavesNothing() {
        assertThatThrownBy(() -> run("nope-not-here"))
                .isInstanceOf(SpawnException.class)
                .hasMessage("exec failed: nope-not-here: No such file or directory");
        assertThatThrownBy(() -> run("/no/such/binary"))
                .hasMessage("exec failed: /no/such/binary: No such file or directory");
        assertThat(spawner.processes()).isEmpty();
    }

    @Test
    void nonExecutableCommandIsPermissionDenied() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.writeString(bin.resolve("data"), "not a program\n");

        assertThatThrownBy(() -> spawner.spawn(spec("data").withEnv(Map.of("PATH", bin.toString()))))
                .hasMessage("exec failed: data: Permission denied");
        assertThatThrownBy(() -> run(bin.resolve("data").toString()))
                .hasMessage("exec failed: " + bin.resolve("data") + ": Permission denied");
    }

    @Test
    void badWorkingDirectoryIsNamedInTheError() throws Exception {
        Path missing = dir.resolve("missing");
        Path file = Files.writeString(dir.resolve("file"), "x");

        assertThatThrownBy(() -> spawner.spawn(SpawnSpec.of(List.of("true"), missing, dir.resolve("o"), dir.resolve("e"))))
                .hasMessage("can't chdir to " + missing + ": No such file or directory");
        assertThatThrownBy(() -> spawner.spawn(SpawnSpec.of(List.of("true"), file, dir.resolve("o"), dir.resolve("e"))))
                .hasMessage("can't chdir to " + file + ": Not a directory");
        assertThat(spawner.processes()).isEmpty();
    }

    @Test
    void childLeadsItsGroupWithDefaultSignalsAndOnlyStdio() throws Exception {
        RunningProcess p = run("sh", "-c", "cut -d' ' -f5 /proc/$$/stat; ls /proc/$$/fd");
        await(p);
        assertThat(text(p.stdout())).isEqualTo(p.pid() + "\n0\n1\n2\n");

        // The JVM blocks and ignores signals of its own; none of that may reach a command.
        RunningProcess grep = run("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status");
        await(grep);
        assertThat(text(grep.stdout())).isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    }

    @Test
    void commandIsItselfAndInItsOwnCgroupFromTheStart() throws Exception {
        assertThat(spawner.contains()).as("cgroup v2 here").isTrue();
        assertThat(IntoCgroup.lib()).as("the clone3 library loaded from the build").isNotNull();
        for (int i = 0; i < 20; i++) {
            RunningProcess p = spawner.spawn(spec("sleep", "30"));
            // No shell runs first to move it: the moment spawn returns, the pid is sleep, already in its group.
            Path exe = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/exe"));
            String group = Files.readString(Path.of("/proc/" + p.pid() + "/cgroup"));
            assertThat(exe.getFileName()).hasToString("sleep");
            assertThat(group).containsPattern("(?m)^0::(/.*)?/taskfs-\\d+-\\d+/\\d+$");
            p.signal(LibC.SIGKILL);
            await(p);
            p.release();
        }
    }

    @Test
    void withoutTheCloneLibraryTheShellMovesTheCommandIntoItsGroup() throws Exception {
        IntoCgroup.use(false);
        try {
            SpawnSpec s = spec("sh", "-c", "grep ^0:: /proc/$$/cgroup; setsid sleep 30 & echo $!; wait");
            RunningProcess p = spawner.spawn(s);
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S))
                    .until(() -> Files.readString(s.stdoutLog()).lines().count() == 2);
            List<String> out = Files.readString(s.stdoutLog()).lines().toList();
            assertThat(out.get(0)).matches("0::(/.*)?/taskfs-\\d+-\\d+/\\d+");
            Path escaped = Path.of("/proc/" + out.get(1));
            assertThat(Files.readString(escaped.resolve("cgroup"))).contains(out.get(0));
            // Out of the process group, still in the cgroup: release takes it along.
            p.release();
            await().atMost(Duration.ofSeconds(ExecTesting.TIMEOUT_S)).until(() -> !Files.exists(escaped)
                    || Files.readString(escaped.resolve("stat")).contains(") Z "));
        } finally {
            IntoCgroup.use(true);
        }
    }

    @Test
    void niceIsAppliedAndClampedTo19() throws Exception {
        for (int[] c : new int[][] {{5, 5}, {40, 19}, {0, 0}}) {
            RunningProcess p = spawner.spawn(spec("sh", "-c", "read go; cut -d' ' -f19 /proc/$$/stat").withNice(c[0]));
            p.writeStdin("go\n".getBytes(StandardCharsets.UTF_8));
            await(p);
            assertThat(text(p.stdout())).as("nice %d", c[0]).isEqualTo(c[1] + "\n");
            p.release();
        }
    }

    @Test
    void niceHoldsFromTheCommandsFirstInstruction() throws Exception {
        // No handshake here: a niceness set after the spawn would lose the race against a command this quick.
        for (int i = 0; i < 20; i++) {
            RunningProcess p = spawner.spawn(spec("nice").withNice(7));
            await(p);
            assertThat(text(p.stdout())).isEqualTo("7\n");
            p.release();
        }
    }

    @Test
    void killedByTermIsKilled() throws Exception {
        RunningProcess p = run("sleep", "1000");
        assertThat(p.signal(LibC.SIGTERM)).isTrue();
        ExitStatus st = await(p);

        assertThat(st.signal()).isEqualTo(LibC.SIGTERM);
        assertThat(st.waitMessage()).isEqualTo("killed");
        assertThat(st.waitLine()).endsWith(" killed\n");
    }

    @Test
    void otherSignalsAreNamedByNumber() throws Exception {
        RunningProcess p = run("sleep", "1000");
        p.signal(LibC.SIGINT);

        assertThat(await(p).waitLine()).endsWith(" 'signal: 2'\n");
    }

    @Test
    void killReachesTheWholeProcessGroup() throws Exception {
        RunningProcess p = run("sh", "-c", "sleep 1000 & sleep 1000");
        await().atMost(Duration.ofSeconds(10)).until(() -> liveMembers(p.pid()).size() >= 2);

        p.signal(LibC.SIGTERM);

        assertThat(await(p).waitMessage()).isEqualTo("killed");
        await().atMost(Duration.ofSeconds(10)).until(() -> liveMembers(p.pid()).isEmpty());
    }

    @Test
    void signalAfterExitReachesLeftoverMembersOnly() throws Exception {
        RunningProcess p = run("sh", "-c", "sleep 1000 & echo started");
        assertThat(await(p).success()).isTrue();
        assertThat(liveMembers(p.pid())).hasSize(1);

        assertThat(p.signal(LibC.SIGKILL)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> liveMembers(p.pid()).isEmpty());
        // Once the orphan is reaped by init too, the group is gone and signals reach nobody.
        await().atMost(Duration.ofSeconds(10)).until(() -> !p.signal(0));
    }

    @Test
    void outputIsByteExact() throws Exception {
        RunningProcess nul = run("printf", "a\\0b\\0\\377");
        await(nul);
        assertThat(readToEof(nul.stdout(), 0, 3)).containsExactly('a', 0, 'b', 0, 0xff);
        nul.release();

        SpawnSpec longLine = SpawnSpec.of(List.of("sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x; echo"), dir,
                dir.resolve("long"), dir.resolve("long.err"));
        RunningProcess p = spawner.spawn(longLine);
        byte[] out = readToEof(p.stdout(), 0, 65536);
        assertThat(await(p).success()).isTrue();
        assertThat(out).hasSize(5_000_001);
        for (int i = 0; i < 5_000_000; i++) {
            if (out[i] != 'x') {
                throw new AssertionError("byte " + i + " is " + out[i]);
            }
        }
        assertThat(out[5_000_000]).isEqualTo((byte) '\n');
    }

    @Test
    void hundredProcessesAtOnce() throws Exception {
        List<RunningProcess> ps = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ps.add(spawner.spawn(SpawnSpec.of(List.of("sh", "-c", "echo task-$0", String.valueOf(i)), dir,
                    dir.resolve("out" + i), dir.resolve("err" + i))));
        }
        for (int i = 0; i < 100; i++) {
            RunningProcess p = ps.get(i);
            assertThat(await(p).waitMessage()).isEmpty();
            assertThat(text(p.stdout())).isEqualTo("task-" + i + "\n");
            assertThat(text(p.stderr())).isEmpty();
        }
        assertThat(ps.stream().map(RunningProcess::pid).distinct()).hasSize(100);
    }

    @Test
    void shutdownKillsEveryGroupEvenIfTermIsIgnored() throws Exception {
        RunningProcess polite = run("sleep", "1000");
        RunningProcess stubborn = run("sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000");
        await().atMost(Duration.ofSeconds(10)).until(() -> liveMembers(stubborn.pid()).size() >= 2);

        spawner.shutdown(Duration.ofMillis(200));

        assertThat(polite.exit()).isCompletedWithValueMatching(s -> s.waitMessage().equals("killed"));
        assertThat(stubborn.exit()).isCompletedWithValueMatching(s -> s.signal() == LibC.SIGKILL);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveMembers(polite.pid()).isEmpty() && liveMembers(stubborn.pid()).isEmpty());
        assertThat(spawner.processes()).isEmpty();
        assertThatThrownBy(() -> run("true")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void releasedProcessesLeaveNoDescriptorsBehind() throws Exception {
        RunningProcess warm = run("cat");
        warm.writeStdin(new byte[] {'x'}).get(10, TimeUnit.SECONDS);
        warm.release();
        await(warm);
        await().atMost(Duration.ofSeconds(10)).until(() -> spawner.processes().isEmpty());
        int before = openDescriptors();

        for (int i = 0; i < 50; i++) {
            RunningProcess p = run("cat");
            p.writeStdin("data".getBytes(StandardCharsets.UTF_8));
            p.stdout().read(1000, 10); // parked, then released
            p.closeStdin();
            await(p);
            p.release();
            assertThatThrownBy(() -> run("nope-not-here")).isInstanceOf(SpawnException.class);
        }
        RunningProcess running = run("sleep", "1000");
        running.release();
        assertThat(await(running).waitMessage()).isEqualTo("killed");

        await().atMost(Duration.ofSeconds(10)).until(() -> openDescriptors() <= before);
        assertThat(spawner.processes()).isEmpty();
    }

    @Test
    void cancellingAnExitFutureAffectsNobodyElse() throws Exception {
        RunningProcess p = run("sleep", "1000");
        p.exit().cancel(true);
        p.signal(LibC.SIGKILL);

        assertThat(await(p).waitMessage()).isEqualTo("killed");
    }

    @Test
    void specRejectsWhatCannotReachExec() {
        assertThatThrownBy(() -> spec()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spec("echo", "a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spec("true").withEnv(Map.of("A=B", "c"))).isInstanceOf(IllegalArgumentException.class);
    }
}
