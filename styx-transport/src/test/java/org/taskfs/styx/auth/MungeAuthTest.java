package org.taskfs.styx.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.testing.PrivateMunged;

/** {@code --auth munge}: diod's exchange against a private munged with its own key. */
class MungeAuthTest {
    private static PrivateMunged munged;
    private static int tfa1;

    private StyxServer server;
    private final RecordingServer fs = new RecordingServer();

    @BeforeAll
    static void start() {
        Host.assumeRoot();
        tfa1 = Host.ensureUser("tfa1");
        Host.ensureUser("tfa2");
        munged = PrivateMunged.start();
    }

    @AfterAll
    static void stopMunged() {
        if (munged != null) {
            munged.close();
        }
    }

    @BeforeEach
    void listen() {
        server = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, ServerOptions.DEFAULTS.withAuth(munged.method()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private StyxClient connect() throws Exception {
        return StyxClient.connect(server.address(), ClientOptions.defaults()).get();
    }

    /** Tauth, the credential written on the afid, as diod's client does; the attach is the test's. */
    private AfidRpc written(StyxClient c, String uname, String credential) throws Exception {
        AfidRpc io = AfidRpc.auth(c, 1000, uname, "");
        io.write(credential.getBytes(StandardCharsets.US_ASCII)).get();
        return io;
    }

    @Test
    void rootsCredentialSpeaksForAnyoneAndTheConnectionStaysAuthenticated() throws Exception {
        try (StyxClient c = StyxClient.connect(server.address(), ClientOptions.defaults().withAuth(munged.method())).get()) {
            c.attach("tfa1", "").get().clunk().get();
            c.rpc(tag -> new Tmessage.Attach(tag, 50, P9.NOFID, "tfa2", "")).get();
        }
        assertThat(fs.callers).extracting(Caller::user).containsExactly("tfa1", "tfa2");
        assertThat(fs.callers).extracting(Caller::principal).containsOnly(new Principal(0, "root", Principal.MUNGE, true));
    }

    @Test
    void aUsersCredentialAttachesAsThatUserOnly() {
        Host.Run r = Host.runAs("tfa1", PeerMain.class, server.address().toString(), "munge=" + munged.socket, "tfa1",
                "root");
        assertThat(r.out()).contains("ok tfa1\n",
                "refused root: authentication failed: the munge credential is for uid " + tfa1 + " (tfa1), not for root");
        assertThat(fs.callers).extracting(Caller::principal).containsExactly(new Principal(tfa1, "tfa1", Principal.MUNGE, false));
    }

    @Test
    void aCredentialForAnotherUidIsRefusedAndStaysThatUsers() throws Exception {
        try (StyxClient c = connect()) {
            AfidRpc io = written(c, "tfa2", munged.credentialFor(tfa1, 0));
            assertThatThrownBy(() -> io.attach(1, "tfa2", "").get())
                    .hasMessageContaining("authentication failed: the munge credential is for uid " + tfa1 + " (tfa1), not for tfa2");
        }
        try (StyxClient c = connect()) {
            AfidRpc io = written(c, "tfa1", munged.credentialFor(tfa1, 0));
            assertThat(io.attach(1, "tfa1", "").get()).isInstanceOf(Rmessage.Attach.class);
            // Sticky as tfa1, not as the root the kernel sees: the connection proved tfa1.
            assertThatThrownBy(() -> c.rpc(tag -> new Tmessage.Attach(tag, 2, P9.NOFID, "tfa2", "")).get())
                    .hasMessageContaining("attach as tfa2 refused: this connection is user tfa1 (uid " + tfa1 + ", munge)");
        }
    }

    @Test
    void aReplayedCredentialIsRefused() throws Exception {
        String credential = munged.credentialFor(tfa1, 0);
        try (StyxClient c = connect()) {
            assertThat(written(c, "tfa1", credential).attach(1, "tfa1", "").get()).isInstanceOf(Rmessage.Attach.class);
        }
        try (StyxClient c = connect()) {
            AfidRpc replay = written(c, "tfa1", credential);
            assertThatThrownBy(() -> replay.attach(1, "tfa1", "").get())
                    .hasMessageContaining("authentication failed: replayed credential");
        }
    }

    @Test
    void anExpiredCredentialIsRefused() throws Exception {
        try (StyxClient c = StyxClient.connect(server.address(), ClientOptions.defaults()).get()) {
            AfidRpc io = AfidRpc.auth(c, 1000, "root", "");
            ClientAuth.munge(munged.method(), 1).run(io, "root", "").get();
            // A credential made after ours, with the same TTL: once munged calls it expired, ours is too.
            String probe = munged.credentialFor(0, 1);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> munged.unmungeExit(probe) == 15);
            assertThatThrownBy(() -> io.attach(1, "root", "").get())
                    .hasMessageContaining("authentication failed: expired credential");
        }
        assertThat(fs.callers).isEmpty();
    }

    @Test
    void anInvalidCredentialIsRefusedAndTheAfidCannotBeRead() throws Exception {
        try (StyxClient c = connect()) {
            AfidRpc io = written(c, "root", "MUNGE:bm90IGEgY3JlZGVudGlhbA==:");
            assertThatThrownBy(() -> io.read(10).get()).hasMessageContaining("write-only");
            assertThatThrownBy(() -> io.attach(1, "root", "").get())
                    .hasMessageContaining("authentication failed: invalid credential");
            AfidRpc empty = AfidRpc.auth(c, 1001, "root", "");
            assertThatThrownBy(() -> empty.attach(2, "root", "").get())
                    .hasMessageContaining("authentication failed: no munge credential was written");
        }
    }

    @Test
    void aClientAttachFailsWithTheReasonWhenMungedIsUnreachable() throws Exception {
        AuthMethod nowhere = new AuthMethod.Munge(java.util.Optional.of(munged.dir.resolve("no.socket")));
        try (StyxClient c = StyxClient.connect(server.address(), ClientOptions.defaults().withAuth(nowhere)).get()) {
            assertThatThrownBy(() -> c.attach("root", "").get()).cause().isInstanceOf(AuthenticationException.class)
                    .hasMessageStartingWith("authentication failed: munge failed:");
        }
    }
}
