package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.fuse.FuseMount;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Capacity;
import org.taskfs.task.SessionInfo;

/** {@code taskfs run} against a busy pool: it waits, says so on a terminal, runs once there is room. */
class RunWaitsTest {
    private LocalCluster cluster;
    private Sh sh;
    private String holder;

    @BeforeEach
    void start() throws Exception {
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 1, 0, 2);
        sh = Sh.connect(cluster.address());
        holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 2");
    }

    @AfterEach
    void stop() throws Exception {
        sh.close();
        cluster.close();
    }

    private List<String> pending() throws Exception {
        return sh.lines("/ns").stream().filter(l -> l.startsWith("pending ")).toList();
    }

    @Test
    void aRunWaitsForSlotsSayingSoThenRuns() throws Exception {
        try (TaskfsProcess run = TaskfsProcess.start("run", "--progress", "-a", cluster.address().toString(),
                "-n", "2", "--", "echo", "ran")) {
            run.await(Pattern.compile("taskfs run: waiting for 2 slots \\(0 free, 0 ahead in the queue\\)"),
                    Duration.ofSeconds(30));
            assertThat(pending()).singleElement().asString().contains(" 2 * * since=");

            sh.echo("/" + holder + "/ctl", "release");
            assertThat(run.waitFor(Duration.ofSeconds(30))).as(run.output()).isZero();
            assertThat(run.output()).contains("ran\nran\n");
        }
        assertThat(pending()).isEmpty();
    }

    /** SIGTERM ends the JVM as Ctrl-C does: its connection closes, and the server withdraws the res. */
    @Test
    void aRunStoppedWhileWaitingLeavesNoReservation() throws Exception {
        TaskfsProcess run = TaskfsProcess.start("run", "-a", cluster.address().toString(), "-n", "1", "--", "true");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> pending().size() == 1);
        } finally {
            run.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> pending().isEmpty());
        sh.echo("/" + holder + "/ctl", "release");
        assertThat(Capacity.parse(sh.cat("/ns"))).allMatch(m -> m.busy() == 0);
        assertThat(SessionInfo.parse(sh.cat("/sessions"))).allMatch(s -> s.tasks() == 0 && s.pending() == 0);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2 wait=0");
    }

    /** Ctrl-C on a shell's {@code echo res 1 > ctl} through a FUSE mount: the kernel interrupts the write, a Tflush. */
    @Test
    void anInterruptedEchoThroughAMountLeavesNoReservation(@TempDir Path scratch) throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("mnt"));
        try (FuseMount m = FuseMount.mount(cluster.address(), dir, FuseMount.Options.defaults()
                .withLog(scratch.resolve("mount.log")))) {
            String s = Files.readString(m.dir().resolve("clone"));
            Process echo = new ProcessBuilder(DefaultSigint.of("bash", "-c", "echo res 1 > ctl")).directory(m.dir().resolve(s).toFile())
                    .redirectErrorStream(true).start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> pending().size() == 1);
                assertThat(Files.readAllLines(m.dir().resolve(s).resolve("status"))).singleElement().asString()
                        .contains(" Pending ");
                new ProcessBuilder("kill", "-INT", Long.toString(echo.pid())).start().waitFor();
                assertThat(echo.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(echo.exitValue()).isNotZero();
            } finally {
                echo.destroyForcibly();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pending().isEmpty());
            sh.echo("/" + holder + "/ctl", "release");
            assertThat(Capacity.parse(sh.cat("/ns"))).allMatch(c -> c.busy() == 0);
            assertThat(sh.ls("/" + s)).noneMatch(n -> n.matches("\\d+"));
        }
    }
}
