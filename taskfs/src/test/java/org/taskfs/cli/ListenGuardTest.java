package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.dial.DialAddress;

/** The listening rule: --auth none only where the kernel names every peer, or with --insecure. */
class ListenGuardTest {
    private static final DialAddress ANY = DialAddress.parse("tcp!0.0.0.0!5555", 5555);
    private static final AuthMethod KEY = new AuthMethod.Key(Path.of("/etc/taskfs/key"));
    private static final AuthMethod MUNGE = new AuthMethod.Munge(Optional.empty());

    @Test
    void noneOffLoopbackIsRefusedNamingTheWaysOut() {
        assertThatThrownBy(() -> new ListenGuard().check(ANY, AuthMethod.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("refusing to listen on tcp!0.0.0.0!5555 without authentication")
                .hasMessageContaining("--auth munge")
                .hasMessageContaining("--auth key=FILE")
                .hasMessageContaining("--insecure");
    }

    @Test
    void noneOnLoopbackOrAUnixSocketListens() {
        ListenGuard g = new ListenGuard();

        assertThatCode(() -> {
            g.check(DialAddress.parse("tcp!127.0.0.1!0", 0), AuthMethod.NONE);
            g.check(DialAddress.parse("tcp!localhost!0", 0), AuthMethod.NONE);
            g.check(DialAddress.parse("unix!/run/taskfs.sock", 0), AuthMethod.NONE);
        }).doesNotThrowAnyException();
    }

    @Test
    void mungeOrAKeyOffLoopbackJustListens() {
        String warned = stderrOf(() -> {
            new ListenGuard().check(ANY, KEY);
            new ListenGuard().check(ANY, MUNGE);
        });

        assertThat(warned).isEmpty();
    }

    @Test
    void insecureListensWithAWarning() {
        ListenGuard g = new ListenGuard();
        g.insecure = true;

        String warned = stderrOf(() -> g.check(ANY, AuthMethod.NONE));

        assertThat(warned).startsWith("taskfs: WARNING: listening on tcp!0.0.0.0!5555 without authentication");
    }

    @Test
    void theCommandsApplyTheRuleBeforeStarting() {
        for (String command : new String[] {"serve", "node", "up"}) {
            AuthOptionTest.Run r = AuthOptionTest.taskfs(command, "--listen", "tcp!0.0.0.0!0");

            assertThat(r.code()).as(command).isEqualTo(1);
            assertThat(r.err()).as(command).startsWith("taskfs: refusing to listen on tcp!0.0.0.0!0 without "
                    + "authentication");
        }
    }

    @Test
    void aServerWithAKeyListensOnEveryInterface(@TempDir Path dir) throws Exception {
        Path key = RelayProcessTest.keyFile(dir);

        try (TaskfsProcess serve = TaskfsProcess.start("serve", "--listen", "tcp!0.0.0.0!0", "--auth", "key=" + key)) {
            Matcher m = serve.await(Pattern.compile("taskfs serve: serving on (\\S+) with 0 members \\(auth (\\S+)\\)"),
                    Duration.ofSeconds(60));

            assertThat(m.group(1)).startsWith("tcp!0.0.0.0!");
            assertThat(m.group(2)).isEqualTo("key=" + key);
            assertThat(serve.output()).doesNotContain("WARNING");
        }
    }

    private static String stderrOf(Runnable r) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
