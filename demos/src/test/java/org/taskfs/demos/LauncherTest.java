package org.taskfs.demos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on a fresh clone: {@code bin/taskfs} builds the project itself, then
 * {@code up} starts the embedded default, which answers a one-shot run and stops on SIGTERM.
 */
class LauncherTest {
    @TempDir
    Path scratch;

    @Test
    void freshCloneBuildsOnFirstUseAndRunsTheEmbeddedDefault() throws Exception {
        Path repo = new DemoRunner(scratch).repo();
        Path clone = scratch.resolve("clone");
        run(scratch, 300, "git", "clone", "-q", "--local", repo.toString(), clone.toString());
        assertThat(clone.resolve("taskfs/target")).doesNotExist();

        String version = run(clone, 600, "bin/taskfs", "--version");
        assertThat(version.lines()).anyMatch(l -> l.matches("taskfs \\d+\\.\\d+.*"));
        assertThat(clone.resolve("taskfs/target/taskfs.jar")).exists();

        Process up = new ProcessBuilder(clone.resolve("bin/taskfs").toString(), "up",
                "--listen", "tcp!127.0.0.1!0", "--node-port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("coordinator on (tcp!127\\.0\\.0\\.1!(\\d+)) with 4 nodes").matcher(first);
            assertThat(m.find()).as(first).isTrue();
            String address = m.group(1);
            int port = Integer.parseInt(m.group(2));

            String out = run(clone, 60, "bin/taskfs", "run", "-a", address, "-n", "4", "--tagged", "--",
                    "sh", "-c", "echo hello from $TASKFS_INDEX");
            assertThat(out.lines().map(l -> l.replaceFirst("^node\\d+/", ""))).containsExactlyInAnyOrder(
                    "0: hello from 0", "1: hello from 1", "2: hello from 2", "3: hello from 3");

            // The first use archived the one-shot commands' classes too, and a one-shot call maps them from it,
            // printing nothing but its answer.
            assertThat(clone.resolve("taskfs/target/taskfs.jsa")).exists();
            Path loaded = scratch.resolve("loaded.txt");
            String session = run(clone, 60, Map.of("TASKFS_JAVA_OPTS", "-Xlog:class+load=info:file=" + loaded),
                    "bin/taskfs", "cat", "-a", address, "clone");
            assertThat(session).matches("\\d+");
            assertThat(Files.readString(loaded)).contains("org.taskfs.cli.Main source: shared objects file\n")
                    .contains("picocli.CommandLine source: shared objects file\n");

            up.destroy();
            assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !listening(port));
        } finally {
            up.destroyForcibly();
        }
    }

    private static boolean listening(int port) {
        try {
            new Socket("127.0.0.1", port).close();
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String run(Path dir, int seconds, String... cmd) throws Exception {
        return run(dir, seconds, Map.of(), cmd);
    }

    private static String run(Path dir, int seconds, Map<String, String> env, String... cmd) throws Exception {
        List<String> command = new ArrayList<>(List.of(cmd));
        Path out = Files.createTempFile("launcher", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        String text = Files.readString(out);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " took over " + seconds + " s:\n" + text);
        }
        assertThat(p.exitValue()).as(String.join(" ", cmd) + " printed:\n" + text).isZero();
        return text;
    }
}
