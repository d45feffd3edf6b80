package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine;

/** The command line as a user meets it: help, version, exit codes, one-line errors. */
class CliTest {
    /** What one invocation printed and returned. */
    record Run(int code, String out, String err) {}

    private static Run taskfs(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new Run(code, out + sysOut.toString(StandardCharsets.UTF_8),
                    err + sysErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"up", "serve", "node", "mount", "umount", "ls", "cat", "write", "stat", "run"})
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
    void runStreamsOutputAndExitsNonZeroNamingEachFailedTask() {
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 2)) {
            String addr = cluster.address().toString();

            Run ok = taskfs("run", "-a", addr, "-n", "3", "--tagged", "--", "sh", "-c", "echo hi $TASKFS_INDEX");
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out().lines()).containsExactlyInAnyOrder("0: hi 0", "1: hi 1", "2: hi 2");

            Run bad = taskfs("run", "-a", addr, "-n", "3", "--", "sh", "-c", "exit $TASKFS_INDEX");
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.err().lines()).containsExactlyInAnyOrder(
                    "taskfs run: task 1: exit: 1", "taskfs run: task 2: exit: 2");
        }
    }
}
