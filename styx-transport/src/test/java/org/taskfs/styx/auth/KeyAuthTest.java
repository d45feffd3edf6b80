package org.taskfs.styx.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.client.StyxRemoteException;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Host;

/** {@code --auth key=FILE}: the shared-key exchange between real servers and clients. */
class KeyAuthTest {
    @TempDir
    Path dir;
    private Path key;
    private StyxServer server;
    private final RecordingServer fs = new RecordingServer();

    @BeforeAll
    static void users() {
        Host.assumeRoot();
        Host.ensureUser("tfa1");
        Host.ensureUser("tfa2");
    }

    @BeforeEach
    void keyAndServer() throws IOException {
        key = keyFile(dir.resolve("cluster.key"));
        server = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs,
                ServerOptions.DEFAULTS.withAuth(new AuthMethod.Key(key)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Path keyFile(Path file) throws IOException {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        Files.write(file, k);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private StyxClient connect(AuthMethod auth) throws Exception {
        return StyxClient.connect(server.address(), ClientOptions.defaults().withAuth(auth)).get();
    }

    @Test
    void theExchangeProvesTheKeyHolderWhoSpeaksForAnyone() throws Exception {
        try (StyxClient c = connect(new AuthMethod.Key(key))) {
            c.attach("tfa1", "tree").get().clunk().get();
        }
        Caller caller = fs.last();
        assertThat(caller.user()).isEqualTo("tfa1");
        assertThat(caller.aname()).isEqualTo("tree");
        assertThat(caller.principal()).isEqualTo(new Principal(-1, "root", Principal.KEY, true));
    }

    @Test
    void anUnprivilegedPeerWithTheKeyAttachesAsOthersAndStaysAuthenticated() throws Exception {
        Host.openForOthers(dir);
        Path socket = dir.resolve("styx.sock");
        Path userKey = dir.resolve("tfa1.key");
        Files.copy(key, userKey);
        Host.run(List.of("chown", "tfa1", userKey.toString()));
        try (StyxServer s = StyxServer.listen(DialAddress.unix(socket), fs,
                ServerOptions.DEFAULTS.withAuth(new AuthMethod.Key(key)).withSocketGroup(Host.GROUP))) {
            Host.Run without = Host.runAs("tfa1", PeerMain.class, "unix!" + socket, "none", "root");
            assertThat(without.out()).contains("refused root: attach as root refused: this connection is user tfa1");

            // The first attach authenticates; the NOFID attaches after it act as the key holder (diod's rule).
            Host.Run with = Host.runAs("tfa1", PeerMain.class, "unix!" + socket, "key=" + userKey, "root",
                    "nofid:tfa2", "nofid:root");
            assertThat(with.out()).contains("ok root\n", "ok nofid:tfa2\n", "ok nofid:root\n");
        }
        assertThat(fs.callers).extracting(Caller::user).containsExactly("root", "tfa2", "root");
        assertThat(fs.callers).extracting(c -> c.principal().proof()).containsOnly(Principal.KEY);
    }

    @Test
    void aWrongKeyIsRefused() throws Exception {
        Path other = keyFile(dir.resolve("other.key"));
        try (StyxClient c = connect(new AuthMethod.Key(other))) {
            assertThatThrownBy(() -> c.attach("root", "").get()).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(AuthenticationException.class)
                    .hasMessage("authentication failed: wrong key");
        }
        assertThat(fs.callers).isEmpty();
    }

    @Test
    void aReplayedAnswerIsRefusedOnANewConnection() throws Exception {
        ClientAuth holder = ClientAuth.of(new AuthMethod.Key(key));
        AfidRpc first;
        try (StyxClient c = connect(AuthMethod.NONE)) {
            first = AfidRpc.auth(c, 1000, "root", "");
            holder.run(first, "root", "").get();
            assertThat(first.attach(1, "root", "").get()).isInstanceOf(Rmessage.Attach.class);
            // One answer per challenge, even on the same afid.
            assertThatThrownBy(() -> first.write(first.written.get(0)).get())
                    .hasMessageContaining("authentication failed: this challenge was already answered");
        }
        try (StyxClient eavesdropper = connect(AuthMethod.NONE)) {
            AfidRpc replay = AfidRpc.auth(eavesdropper, 1000, "root", "");
            byte[] challenge = replay.read(KeyExchange.CHALLENGE_SIZE).get();
            assertThat(challenge).hasSize(KeyExchange.CHALLENGE_SIZE);
            assertThatThrownBy(() -> replay.write(first.written.get(0)).get()).cause()
                    .isInstanceOf(StyxRemoteException.class)
                    .hasMessage("authentication failed: replayed answer (its client nonce was answered before)");
            assertThatThrownBy(() -> replay.attach(1, "root", "").get())
                    .hasMessageContaining("authentication failed: replayed answer");
        }
        assertThat(fs.callers).hasSize(1);
    }

    @Test
    void anAttachBeforeTheAnswerOrForAnotherUserIsRefused() throws Exception {
        try (StyxClient c = connect(AuthMethod.NONE)) {
            AfidRpc unanswered = AfidRpc.auth(c, 1000, "root", "");
            assertThatThrownBy(() -> unanswered.attach(1, "root", "").get())
                    .hasMessageContaining("authentication failed: the key exchange is not finished");

            AfidRpc answered = AfidRpc.auth(c, 1001, "tfa1", "");
            ClientAuth.of(new AuthMethod.Key(key)).run(answered, "tfa1", "").get();
            assertThatThrownBy(() -> answered.attach(1, "tfa2", "").get())
                    .hasMessageContaining("authentication failed: the afid was made for uname 'tfa1' aname '', "
                            + "not uname 'tfa2' aname ''");
            assertThat(answered.attach(1, "tfa1", "").get()).isInstanceOf(Rmessage.Attach.class);
        }
    }

    @Test
    void theClientChecksTheServersProof() {
        // A server that takes any answer and "proves" itself with zeros: it does not hold the key.
        AfidIo impostor = new AfidIo() {
            private int reads;

            @Override
            public CompletableFuture<byte[]> read(int count) {
                byte[] tail = reads++ == 0 ? KeyExchange.nonce() : new byte[KeyExchange.PROOF];
                return CompletableFuture.completedFuture(KeyExchange.concat(KeyExchange.VERSION, tail));
            }

            @Override
            public CompletableFuture<Integer> write(byte[] data) {
                return CompletableFuture.completedFuture(data.length);
            }
        };
        assertThatThrownBy(() -> ClientAuth.of(new AuthMethod.Key(key)).run(impostor, "root", "").get()).cause()
                .isInstanceOf(AuthenticationException.class)
                .hasMessage("authentication failed: the server's proof is wrong: it does not hold this key");
    }

    @Test
    void theWireFormatIsTheDocumentedOne() throws Exception {
        try (StyxClient c = connect(AuthMethod.NONE)) {
            AfidRpc io = AfidRpc.auth(c, 1000, "glenda", "tree");
            byte[] challenge = io.read(100).get();
            assertThat(challenge).hasSize(36).startsWith("tfk1".getBytes());
            byte[] ns = Arrays.copyOfRange(challenge, 4, 36);
            byte[] nc = new byte[32];
            Arrays.fill(nc, (byte) 7);
            // T = V | Ns | Nc | len[2] uname | len[2] aname; Pc = HMAC(K, "C" | T)
            byte[] t = KeyExchange.concat("tfk1".getBytes(), ns, nc, new byte[] {6, 0}, "glenda".getBytes(),
                    new byte[] {4, 0}, "tree".getBytes());
            SharedKey k = SharedKey.load(key);
            io.write(KeyExchange.concat("tfk1".getBytes(), nc, k.hmac(KeyExchange.concat("C".getBytes(), t)))).get();
            byte[] confirm = io.read(100).get();
            assertThat(confirm).isEqualTo(KeyExchange.concat("tfk1".getBytes(), k.hmac(KeyExchange.concat("S".getBytes(), t))));
            assertThat(io.read(100).get()).isEmpty();
            assertThat(io.attach(1, "glenda", "tree").get()).isInstanceOf(Rmessage.Attach.class);
        }
    }

    @Test
    void aKeyFileOthersCanReadOrSomeoneElseOwnsStopsTheServer() throws Exception {
        Path loose = keyFile(dir.resolve("loose.key"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs,
                ServerOptions.DEFAULTS.withAuth(new AuthMethod.Key(loose))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key file " + loose + " has mode 0644: others can read it; chmod 600 " + loose);

        Path foreign = keyFile(dir.resolve("foreign.key"));
        Host.run(List.of("chown", "tfa1", foreign.toString()));
        assertThatThrownBy(() -> ClientAuth.of(new AuthMethod.Key(foreign)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is owned by uid " + Users.uid("tfa1").getAsInt() + ", not by uid 0");

        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "secret\n");
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> SharedKey.load(shortKey)).hasMessageContaining("holds 6 bytes; a key needs at least 16");
    }

    @Test
    void aServerWithoutAuthSaysSoAndAKeyClientAttachesWithoutIt() throws Exception {
        try (StyxServer open = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, ServerOptions.DEFAULTS);
             StyxClient c = StyxClient.connect(open.address(), ClientOptions.defaults().withAuth(new AuthMethod.Key(key))).get()) {
            assertThatThrownBy(() -> c.rpc(tag -> new Tmessage.Auth(tag, 1000, "root", "")).get())
                    .hasMessageContaining("authentication not required");
            c.attach("tfa1", "").get().clunk().get();
            assertThat(fs.last().principal().proof()).isEqualTo(Principal.LOOPBACK_TCP);
        }
    }
}
