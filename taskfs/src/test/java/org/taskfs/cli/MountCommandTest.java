package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * {@code taskfs mount} and {@code taskfs umount} on a real FUSE mount. Fails (does not skip)
 * without /dev/fuse: CI has it, and a skip would hide a broken command.
 */
class MountCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    StyxServer server;
    Path dir;
    final List<Runnable> cleanups = new ArrayList<>();

    @BeforeEach
    void serveAndMakeDirectory() throws IOException {
        assertThat(Path.of("/dev/fuse")).as("FUSE is needed: run where /dev/fuse exists (CI runs as root with it)")
                .exists();
        RamFs ram = new RamFs(System.getProperty("user.name"));
        ram.put("hello", "hello\n".getBytes(StandardCharsets.UTF_8));
        server = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), ram, ServerOptions.DEFAULTS);
        dir = Files.createTempDirectory("taskfs-mount-cmd-");
    }

    @AfterEach
    void cleanUp() throws Exception {
        cleanups.forEach(Runnable::run);
        if (mounted(dir)) {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
        Files.deleteIfExists(dir);
        server.close();
    }

    static boolean mounted(Path dir) throws IOException {
        String canonical = dir.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(canonical));
    }

    @Test
    void mountServesInTheForegroundUntilUmount() throws Exception {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> Main.commandLine().execute("mount", server.address().toString(), dir.toString()));
        await().atMost(WAIT).until(() -> mounted(dir));
        assertThat(Files.readString(dir.resolve("hello"))).isEqualTo("hello\n");

        assertThat(Main.commandLine().execute("umount", dir.toString())).isZero();
        assertThat(mounted(dir)).isFalse();
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("mount returns once unmounted").isZero();
    }

    @Test
    void mountDaemonReturnsWhenTheMountIsReady() throws Exception {
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(said, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.commandLine().execute("mount", "--daemon", "--log", log.toString(), "--auth", "none",
                    server.address().toString(), dir.toString());
        } finally {
            System.setOut(out);
        }
        assertThat(exit).as(Files.exists(log) ? Files.readString(log) : "").isZero();
        Matcher m = Pattern.compile("^taskfs mount: ready: .* \\(process (\\d+), log .*\\)$", Pattern.MULTILINE)
                .matcher(said.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).as(said.toString(StandardCharsets.UTF_8)).isTrue();
        ProcessHandle background = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
        cleanups.add(background::destroyForcibly);
        assertThat(Files.readString(Path.of("/proc", m.group(1), "cmdline")).replace('\0', ' '))
                .as("the background process authenticates as asked").contains(" --auth none ");

        assertThat(Files.readString(dir.resolve("hello"))).isEqualTo("hello\n"); // ready: no waiting

        assertThat(Main.commandLine().execute("umount", dir.toString())).isZero();
        assertThat(mounted(dir)).isFalse();
        assertThat(background.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS).isAlive()).isFalse();
    }

    @Test
    void upWithMountServesTheTreeAndSigtermStopsAndUnmounts() throws Exception {
        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "up",
                "--listen", "tcp!127.0.0.1!0", "--node-port", "0", "--nodes", "2", "--mount", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
                .start();
        cleanups.add(up::destroyForcibly);
        await().atMost(WAIT).until(() -> mounted(dir));

        String session = Files.readString(dir.resolve("clone"));
        Files.writeString(dir.resolve(session).resolve("ctl"), "res 2\n");
        Files.writeString(dir.resolve(session).resolve("ctl"), "exec echo up\n");
        assertThat(Files.readString(dir.resolve(session).resolve("stdio"))).isEqualTo("up\nup\n");

        up.destroy(); // SIGTERM, as Ctrl-C would
        assertThat(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(mounted(dir)).as("up unmounts what it mounted").isFalse();
    }

    @Test
    void umountOfWhatIsNotMountedFails() {
        assertThat(Main.commandLine().execute("umount", dir.toString())).isEqualTo(1);
    }
}
