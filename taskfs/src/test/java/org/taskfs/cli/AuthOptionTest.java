package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.taskfs.styx.auth.AuthMethod;
import picocli.CommandLine;

/**
 * {@code --auth} and {@code --admin-group} on every command that listens or dials: what each spelling means,
 * and the errors given before anything is started or dialled.
 */
class AuthOptionTest {
    @TempDir
    Path dir;

    /** What one in-process invocation printed and returned. */
    record Run(int code, String out, String err) {}

    static Run taskfs(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Each command with what it needs besides --auth, none of which is reached when --auth is wrong. */
    static List<String> withAuth(String command, String spec) {
        List<String> a = new ArrayList<>(List.of(command.split(" ")));
        a.addAll(List.of("--auth", spec));
        switch (a.get(0)) {
            case "mount" -> a.addAll(List.of("tcp!127.0.0.1!1", "/nonexistent"));
            case "relay" -> a.addAll(List.of("--to", "tcp!127.0.0.1!1", "--listen", "unix!/nonexistent/relay"));
            case "cat", "stat" -> a.addAll(List.of("-a", "tcp!127.0.0.1!1", "clone"));
            case "write" -> a.addAll(List.of("-a", "tcp!127.0.0.1!1", "ctl", "x"));
            case "ls" -> a.addAll(List.of("-a", "tcp!127.0.0.1!1"));
            case "run" -> a.addAll(List.of("-a", "tcp!127.0.0.1!1", "--", "true"));
            case "up", "serve", "node" -> a.addAll(List.of("--listen", "tcp!127.0.0.1!0"));
            default -> { }
        }
        return a;
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "node", "up", "mount", "ls", "cat", "write", "stat", "run", "relay"})
    void aBadSpecIsAUsageErrorNamingTheChoices(String command) {
        Run r = taskfs(withAuth(command, "foo").toArray(String[]::new));

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--auth: unknown authentication 'foo': expected none, munge, munge=SOCKET "
                + "or key=FILE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "node", "up", "mount", "ls", "cat", "write", "stat", "run", "relay"})
    void aKeyFileOthersCanReadIsRefusedAtStart(String command) throws IOException {
        Path key = key("rw-r--r--");

        Run r = taskfs(withAuth(command, "key=" + key).toArray(String[]::new));

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: --auth key=" + key
                + ": the key file must be mode 0600 and yours; it is 0644");
    }

    @Test
    void aKeyFileOfAnotherUserIsRefused() throws IOException {
        Assumptions.assumeTrue(OwnUser.uid() == 0, "only root can give a file away");
        Path key = key("rw-------");
        UserPrincipal nobody = key.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(key, nobody);

        assertThatThrownBy(() -> AuthOption.checkKeyFile(new AuthMethod.Key(key)))
                .hasMessage("--auth key=" + key + ": the key file must be mode 0600 and yours; it is 0600 "
                        + "and belongs to nobody");
    }

    @Test
    void aMissingKeyFileIsNamed() {
        Path key = dir.resolve("absent");

        assertThatThrownBy(() -> AuthOption.checkKeyFile(new AuthMethod.Key(key)))
                .hasMessage("--auth key=" + key + ": no such file");
    }

    @Test
    void everySpellingParses() throws IOException {
        Path key = key("rw-------");
        CommandLine cl = Main.commandLine();

        assertThat(AuthOption.resolve("none", cl)).isEqualTo(AuthMethod.NONE);
        assertThat(AuthOption.resolve("munge", cl)).isEqualTo(new AuthMethod.Munge(Optional.empty()));
        assertThat(AuthOption.resolve("munge=/run/munge/munge.socket.2", cl))
                .isEqualTo(new AuthMethod.Munge(Optional.of(Path.of("/run/munge/munge.socket.2"))));
        assertThat(AuthOption.resolve("key=" + key, cl)).isEqualTo(new AuthMethod.Key(key));
        assertThat(AuthOption.resolve("key=" + key("r--------"), cl)).isInstanceOf(AuthMethod.Key.class);
    }

    @Test
    void picocliFillsTheOptionsOfServersAndClients() throws IOException {
        Path key = key("rw-------");
        CommandLine cl = Main.commandLine();

        CommandLine.ParseResult serve = cl.parseArgs("serve", "--auth", "key=" + key, "--admin-group", "root");
        ServeCommand s = (ServeCommand) serve.subcommand().commandSpec().userObject();
        assertThat(s.security.security().auth()).isEqualTo(new AuthMethod.Key(key));
        assertThat(s.security.security().adminGroup()).isEqualTo("root");

        CommandLine.ParseResult node = Main.commandLine().parseArgs("node");
        NodeCommand n = (NodeCommand) node.subcommand().commandSpec().userObject();
        assertThat(n.security.security().auth()).isEqualTo(AuthMethod.NONE);
        assertThat(n.security.security().adminGroup()).isNull();

        CommandLine.ParseResult cat = Main.commandLine().parseArgs("cat", "--auth", "munge", "clone");
        ClientCommands.Cat c = (ClientCommands.Cat) cat.subcommand().commandSpec().userObject();
        assertThat(c.auth.method()).isEqualTo(new AuthMethod.Munge(Optional.empty()));
    }

    @Test
    void clientsTakeTheirDefaultFromTaskfsAuthAndServersDoNot() throws Exception {
        Map<String, String> env = Map.of("TASKFS_AUTH", "bogus");
        String cp = System.getProperty("java.class.path");

        try (TaskfsProcess client = TaskfsProcess.start(List.of(), cp, env, "ls", "-a", "tcp!127.0.0.1!1")) {
            assertThat(client.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(client.output()).contains("--auth: unknown authentication 'bogus'");
        }
        // A server's stance is written where it is started: with none, off loopback, it refuses to listen.
        try (TaskfsProcess server = TaskfsProcess.start(List.of(), cp, env, "node", "--listen", "tcp!0.0.0.0!0")) {
            assertThat(server.waitFor(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(server.output()).startsWith("taskfs: refusing to listen on tcp!0.0.0.0!0 without "
                    + "authentication");
        }
    }

    @Test
    void anUnknownAdminGroupIsRefusedAtStart() {
        Run r = taskfs("node", "--listen", "tcp!127.0.0.1!0", "--admin-group", "tfc-no-such-group");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: --admin-group tfc-no-such-group: no such group");
    }

    private Path key(String mode) throws IOException {
        Path f = Files.createTempFile(dir, "key", "");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }
}
