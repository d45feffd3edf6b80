package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.Sh;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;

/**
 * The relay as a user runs it, every part a process of its own: {@code taskfs up} asking for a key on a
 * network address, {@code taskfs relay} in front of it, and clients that authenticate with nothing, as
 * 9pfuse does: this JVM's StyxClient, and {@code taskfs ls} run as another user, who is refused.
 */
class RelayProcessTest {
    private static final Duration START = Duration.ofSeconds(60);
    /** A user of this test's own, made if missing and removed afterwards. */
    private static final String OTHER_USER = "tfcrelay";

    @TempDir
    static Path dir;

    private static TaskfsProcess coordinator;
    private static TaskfsProcess relay;
    private static DialAddress served;
    private static DialAddress socket;
    private static Path key;

    @BeforeAll
    static void start() throws Exception {
        // Another user must be able to reach the socket for the relay (not the directory) to refuse them.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        key = keyFile(dir);
        // Off loopback, where peers are not known from the kernel and the key is what counts.
        String host = networkAddress().orElse("127.0.0.1");
        coordinator = TaskfsProcess.start("up", "--nodes", "1", "--node-port", "0", "--slots", "2",
                "--listen", "tcp!" + host + "!0", "--auth", "key=" + key);
        served = DialAddress.parse(coordinator.await(Pattern.compile("coordinator on (\\S+) with"), START).group(1), 0);
        socket = DialAddress.unix(dir.resolve("relay"));
        relay = TaskfsProcess.start("relay", "--to", served.toString(), "--auth", "key=" + key,
                "--listen", socket.toString());
        relay.await(Pattern.compile("taskfs relay: serving unix!"), START);
    }

    @AfterAll
    static void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    void aClientThatDoesNotAuthenticateRunsASessionThroughTheRelay() throws Exception {
        try (Sh sh = Sh.connect(socket)) {
            String s = sh.newSession();
            sh.echo(s + "/ctl", "res 2");
            sh.echo(s + "/ctl", "exec sh -c 'echo task $TASKFS_INDEX of $TASKFS_SIZE'");

            assertThat(sh.lines(s + "/stdio")).containsExactly("task 0 of 2", "task 1 of 2");
            assertThat(sh.lines(s + "/wait")).hasSize(2).allSatisfy(w -> assertThat(w).endsWith("''"));
            sh.echo(s + "/ctl", "release");
        }
        assertThat(relay.output()).doesNotContain("refused");
    }

    /** What the relay is for: the same client, straight to the server, is turned away. */
    @Test
    void withoutTheRelayTheSameClientIsTurnedAway() throws Exception {
        Assumptions.assumeFalse(served.isLocalOnly(), "no network address here: loopback peers are known anyway");

        assertThatThrownBy(() -> {
            try (StyxClient c = StyxClient.connect(served, ClientOptions.defaults()).get(30, TimeUnit.SECONDS)) {
                c.root().get(30, TimeUnit.SECONDS);
            }
        }).hasMessageContaining("auth");
    }

    /** A key the server does not share stops the relay at once. */
    @Test
    void aRelayWithTheWrongKeyStopsAtItsStart() throws Exception {
        Assumptions.assumeFalse(served.isLocalOnly(), "no network address here: loopback peers are known anyway");
        Path other = keyFile(Files.createTempDirectory(dir, "other"));

        try (TaskfsProcess wrong = TaskfsProcess.start("relay", "--to", served.toString(), "--auth", "key=" + other,
                "--listen", "unix!" + dir.resolve("wrong"))) {
            assertThat(wrong.waitFor(START)).isEqualTo(1);
            assertThat(wrong.output()).contains("taskfs: cannot attach to " + served + " as " + OwnUser.name()
                    + " with --auth key=" + other);
        }
    }

    @Test
    void aConnectionFromAnotherUserIsRefusedAndClosed() throws Exception {
        Assumptions.assumeTrue(OwnUser.uid() == 0, "runs a client as another user, which takes root (runuser)");
        int otherUid = Host.ensureUser(OTHER_USER);
        String classpath = String.join(java.io.File.pathSeparator, Host.worldReadableClasspath());
        List<String> asOther = List.of("runuser", "-u", OTHER_USER, "--");

        // The socket is 0600: the kernel keeps them out before the relay is asked.
        try (TaskfsProcess denied = TaskfsProcess.start(asOther, classpath, Map.of(), "ls", "-a", socket.toString())) {
            assertThat(denied.waitFor(START)).isEqualTo(1);
            assertThat(denied.output()).contains("taskfs: ").containsIgnoringCase("permission denied");
        }

        // Were the socket open to all, the relay refuses them by the kernel's word on the connection.
        Files.setPosixFilePermissions(socket.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        try (TaskfsProcess refused = TaskfsProcess.start(asOther, classpath, Map.of(), "ls", "-a",
                socket.toString())) {
            assertThat(refused.waitFor(START)).isEqualTo(1);
            assertThat(refused.output()).contains("taskfs relay: refused: this relay serves uid 0 (" + OwnUser.name()
                    + ") only, and this connection is from uid " + otherUid);
        } finally {
            Files.setPosixFilePermissions(socket.path(), PosixFilePermissions.fromString("rw-------"));
        }
        relay.await(Pattern.compile("taskfs relay: refused a connection from uid " + otherUid), START);

        // And it goes on serving its own user.
        try (Sh sh = Sh.connect(socket)) {
            assertThat(sh.ls("/")).contains("clone");
        }
    }

    @Test
    void sigtermStopsARelayAndRemovesItsSocket() throws Exception {
        Path p = dir.resolve("brief");
        try (TaskfsProcess brief = TaskfsProcess.start("relay", "--to", served.toString(), "--auth", "key=" + key,
                "--listen", "unix!" + p)) {
            brief.await(Pattern.compile("taskfs relay: serving"), START);
            assertThat(p).exists();

            brief.close();

            assertThat(p).doesNotExist();
        }
    }

    /** A shared key as a user would make one: random, in a file of mode 0600. */
    static Path keyFile(Path in) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path f = in.resolve("taskfs.key");
        Files.writeString(f, HexFormat.of().formatHex(secret) + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** An IPv4 address of this machine other than loopback, if it has one. */
    private static Optional<String> networkAddress() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLinkLocalAddress() && !a.isLoopbackAddress())
                .map(InetAddress::getHostAddress)
                .findFirst();
    }
}
