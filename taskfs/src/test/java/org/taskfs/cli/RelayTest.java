package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.styx.auth.AuthMethod;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.task.Security;

/**
 * The relay in this JVM, in front of a coordinator that asks for a key, with the project's own client
 * (authenticating with nothing) standing in for 9pfuse. {@link RelayProcessTest} does the same with
 * processes and another user.
 */
class RelayTest {
    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static AuthMethod key;
    private static Relay relay;
    private static DialAddress socket;
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws IOException {
        key = new AuthMethod.Key(RelayProcessTest.keyFile(dir));
        cluster = LocalCluster.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSecurity(Security.LOCAL.withAuth(key)), 1, 0, 4);
        socket = DialAddress.unix(dir.resolve("relay"));
        relay = Relay.start(Relay.Config.ofOwnUser(socket, cluster.address(), key), log());
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static PrintStream log() {
        return new PrintStream(LOG, true, StandardCharsets.UTF_8);
    }

    @Test
    void aSessionRunsThroughTheRelay() throws Exception {
        try (Sh sh = Sh.connect(socket)) {
            String s = sh.newSession();
            sh.echo(s + "/ctl", "res 2");
            sh.echo(s + "/ctl", "exec sh -c 'echo hi $TASKFS_INDEX'");

            assertThat(sh.lines(s + "/stdio")).containsExactly("hi 0", "hi 1");
            assertThat(sh.lines(s + "/wait")).hasSize(2);
            assertThat(sh.ls("/")).contains("clone", "ctl", s);
            sh.echo(s + "/ctl", "release");
        }
    }

    @Test
    void theSocketIsTheOwnersAlone() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.path())))
                .isEqualTo("rw-------");
    }

    @Test
    void theRelayAnswersTauthItself() throws Exception {
        try (StyxClient c = StyxClient.connect(socket, ClientOptions.defaults()).get(30, TimeUnit.SECONDS)) {
            CompletableFuture<?> auth = c.rpc(tag -> new Tmessage.Auth(tag, 77, "anyone", ""));

            assertThatThrownBy(() -> auth.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StyxRemoteException.class)
                    .hasMessageContaining("authentication not required: the relay has authenticated to "
                            + cluster.address());
        }
    }

    @Test
    void aBlockedReadIsFlushedAndTheConnectionGoesOn() throws Exception {
        try (Sh sh = Sh.connect(socket)) {
            String s = sh.newSession();
            sh.echo(s + "/ctl", "exec sh -c 'sleep 1; echo late'");
            RemoteFid out = Sh.get(sh.blocking.open(s + "/stdout", P9.OREAD));
            CompletableFuture<byte[]> read = out.read(0, 100);
            Thread.sleep(200); // the read is up at the server, waiting for output

            read.cancel(true); // Tflush, passed on by the relay

            assertThatThrownBy(read::join).isInstanceOf(CancellationException.class);
            assertThat(sh.cat(s + "/ctl")).isEqualTo(s);
            assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("late\n");
            Sh.get(out.clunk());
            sh.echo(s + "/ctl", "release");
        }
    }

    @Test
    void anyAttachNameBecomesTheRelaysUser() throws Exception {
        try (Sh sh = Sh.connect(socket, "nobody")) {
            String s = sh.newSession();

            assertThat(sh.cat(s + "/ctl")).isEqualTo(s);
            sh.echo(s + "/ctl", "release");
        }
    }

    @Test
    void aConnectionFromAnotherUidIsRefusedAndClosed() throws Exception {
        DialAddress other = DialAddress.unix(dir.resolve("other"));
        // A relay of some other user: this JVM's connections are then from a uid it does not serve.
        Relay.Config someoneElse = new Relay.Config(other, cluster.address(), key, "someone", OwnUser.uid() + 4242);
        try (Relay r = Relay.start(someoneElse, log())) {
            CompletableFuture<StyxClient> c = StyxClient.connect(other, ClientOptions.defaults());

            assertThatThrownBy(() -> c.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("taskfs relay: refused: this relay serves uid " + (OwnUser.uid() + 4242)
                            + " (someone) only, and this connection is from uid " + OwnUser.uid());
            assertThat(LOG.toString(StandardCharsets.UTF_8))
                    .contains("taskfs relay: refused a connection from uid " + OwnUser.uid());
        }
    }

    @Test
    void aServerThatCannotBeReachedIsTheClientsError() throws Exception {
        DialAddress nowhere = DialAddress.unix(dir.resolve("nowhere"));
        try (Relay r = Relay.start(Relay.Config.ofOwnUser(nowhere, DialAddress.tcp("127.0.0.1", 1), key), log())) {
            CompletableFuture<StyxClient> c = StyxClient.connect(nowhere, ClientOptions.defaults());

            assertThatThrownBy(() -> c.get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("taskfs relay: cannot attach to tcp!127.0.0.1!1 as " + OwnUser.name()
                            + " with --auth " + key);
        }
    }

    @Test
    void itListensOnThisMachineAlone() {
        DialAddress to = cluster.address();

        assertThatThrownBy(() -> Relay.start(Relay.Config.ofOwnUser(DialAddress.tcp("0.0.0.0", 0), to, key), log()))
                .hasMessageContaining("listens only on this machine");
    }

    @Test
    void onALoopbackPortTheKernelNamesEachConnectionsUser() throws Exception {
        try (Relay mine = Relay.start(Relay.Config.ofOwnUser(DialAddress.tcp("127.0.0.1", 0), cluster.address(),
                key), log())) {
            try (Sh sh = Sh.connect(mine.address())) {
                String s = sh.newSession();
                sh.echo(s + "/ctl", "res 1");
                sh.echo(s + "/ctl", "exec echo over tcp");
                assertThat(sh.lines(s + "/stdout")).containsExactly("over tcp");
                sh.echo(s + "/ctl", "release");
            }
        }
        Relay.Config someoneElse = new Relay.Config(DialAddress.tcp("127.0.0.1", 0), cluster.address(), key,
                "someone", OwnUser.uid() + 4242);
        try (Relay theirs = Relay.start(someoneElse, log())) {
            CompletableFuture<StyxClient> c = StyxClient.connect(theirs.address(), ClientOptions.defaults());
            assertThatThrownBy(() -> c.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("this connection is from uid " + OwnUser.uid());
        }
    }

    @Test
    void itReplacesAStaleSocketAndNothingElse() throws Exception {
        Path stale = dir.resolve("stale");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale)); // closed without removing the file, as by a crash
        }
        try (Relay r = Relay.start(Relay.Config.ofOwnUser(DialAddress.unix(stale), cluster.address(), key), log());
             Sh sh = Sh.connect(DialAddress.unix(stale))) {
            assertThat(sh.ls("/")).contains("clone");
        }

        Path file = Files.writeString(dir.resolve("file"), "precious");
        assertThatThrownBy(() -> Relay.start(Relay.Config.ofOwnUser(DialAddress.unix(file), cluster.address(), key),
                log())).hasMessageContaining("it is a regular file");
        assertThat(Files.readString(file)).isEqualTo("precious");

        assertThatThrownBy(() -> Relay.start(Relay.Config.ofOwnUser(socket, cluster.address(), key), log()))
                .hasMessageContaining("another server is listening there");
    }

    @Test
    void closingRemovesTheSocket() throws Exception {
        Path p = dir.resolve("short-lived");
        Relay r = Relay.start(Relay.Config.ofOwnUser(DialAddress.unix(p), cluster.address(), key), log());
        assertThat(p).exists();

        r.close();

        assertThat(p).doesNotExist();
    }
}
