package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The terminal check that decides whether {@code run} draws its progress line and how {@code ps} lays out its
 * table: a real pseudo-terminal (from {@code script}, util-linux) against a pipe.
 */
class TerminalTest {

    /** Prints what {@link Terminal} sees, for the tests below to run in a process of its own. */
    public static void main(String[] args) {
        System.out.println("stdout=" + Terminal.isStdout() + " stderr=" + Terminal.isStderr());
    }

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> PROBE = List.of(JAVA, "-cp", System.getProperty("java.class.path"),
            TerminalTest.class.getName());

    @Test
    void aPseudoTerminalIsOne() throws Exception {
        String command = String.join(" ", PROBE.stream().map(a -> "'" + a + "'").toList());
        assertThat(run(List.of("script", "-qec", command, "/dev/null"))).contains("stdout=true stderr=true");
    }

    @Test
    void aPipeIsNot() throws Exception {
        assertThat(run(PROBE)).contains("stdout=false stderr=false");
    }

    @Test
    void terminalDevicesByName() {
        assertThat(Terminal.isTerminalDevice("/dev/pts/3")).isTrue();
        assertThat(Terminal.isTerminalDevice("/dev/tty1")).isTrue();
        assertThat(Terminal.isTerminalDevice("/dev/console")).isTrue();
        assertThat(Terminal.isTerminalDevice("/dev/null")).isFalse();
        assertThat(Terminal.isTerminalDevice("pipe:[4026]")).isFalse();
        assertThat(Terminal.isTerminalDevice("/tmp/out.txt")).isFalse();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
