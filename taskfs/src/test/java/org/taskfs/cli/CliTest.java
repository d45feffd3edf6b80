package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;

/** The command line as a user meets it: help, version, exit codes, one-line errors. */
class CliTest {
    /** What one invocation printed and returned. */
    record Run(int code, String out, String err) {}

    /** Runs {@code taskfs ARGS} as its own process, as a user's shell would. */
    static Run taskfs(String... args) {
        return taskfsWithInput(null, args);
    }

    /** The same with {@code input} as its standard input, then its end (null: an input that never ends). */
    static Run taskfsWithInput(String input, String... args) {
        return taskfsIn(null, input, args);
    }

    /** The same, started in directory {@code dir} (null: this JVM's). */
    static Run taskfsIn(Path dir, String input, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("cli", ".out");
            Path err = Files.createTempFile("cli", ".err");
            Process p = new ProcessBuilder(cmd).directory(dir == null ? null : dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (input != null) {
                try (var in = p.getOutputStream()) {
                    in.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("taskfs " + String.join(" ", args) + " did not finish in 60 s");
            }
            Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"up", "serve", "node", "mount", "umount", "ls", "cat", "write", "stat", "run", "ps", "top", "relay"})
    void everySubcommandHasHelp(String sub) {
        Run r = taskfs(sub, "--help");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: taskfs " + sub);
    }

    @Test
    void versionNamesTaskfsAndJava() {
        Run r = taskfs("-V");

        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("taskfs ").contains("Java ");
    }

    @Test
    void unknownOrMissingSubcommandIsAUsageError() {
        assertThat(taskfs("frobnicate").code()).isEqualTo(2);
        Run none = taskfs();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("missing subcommand");
    }

    @Test
    void aFailureIsOneReadableLineAndExitOne() {
        Run r = taskfs("cat", "-a", "tcp!127.0.0.1!1", "clone");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString()
                .startsWith("taskfs: ").contains("127.0.0.1");
    }

    @Test
    void topRefusesANegativeFrameCountNamingItAndTheFix() {
        Run r = taskfs("top", "-n", "-1", "-a", "tcp!127.0.0.1!1");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("taskfs: -n -1: ").contains("1 or more").contains("Ctrl-C");
    }

    @Test
    void aNonLoopbackListenIsRefusedWithoutInsecure() {
        Run r = taskfs("serve", "--listen", "tcp!0.0.0.0!0");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("refusing to listen on tcp!0.0.0.0!0").contains("--insecure");
    }

    @Test
    void completionScriptIsGenerated() {
        Run r = taskfs("generate-completion");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete").contains("taskfs");
    }

    @Test
    void writeTakesTheWordsAfterItsPathAsTheyAreAndServerOptionsMayComeFirst() {
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 1, 0, 2)) {
            String addr = cluster.address().toString();
            String s = taskfs("cat", "-a", addr, "/clone").out();

            // The command's own flags are the command's, not write's: -l, -h and --version reach echo.
            Run w = taskfs("write", "-a", addr, "/" + s + "/ctl", "exec", "echo", "-l", "-h", "--version");
            assertThat(w.code()).as(w.err()).isZero();
            assertThat(w.out()).isEmpty();
            // As plan9port's 9p -a ADDR cat: the server before the command.
            Run cat = taskfs("-a", addr, "cat", "/" + s + "/stdout");
            assertThat(cat.code()).as(cat.err()).isZero();
            assertThat(cat.out()).isEqualTo("-l -h --version\n");
            assertThat(taskfs("--addr=" + addr, "ls", "/" + s).out()).contains("stdout");

            // A server's own commands take no client options: still a usage error.
            assertThat(taskfs("-a", addr, "serve").code()).isEqualTo(2);
        }
    }
}
