package org.taskfs.styx.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.Caller;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Host;

/**
 * Local peers are who the kernel says: a client run as a test user over a Unix socket or loopback TCP
 * is admitted as that user and refused as anyone else; root speaks for anyone.
 */
class KernelIdentityTest {
    private static int tfa1;

    @BeforeAll
    static void users() {
        Host.assumeRoot();
        tfa1 = Host.ensureUser("tfa1");
        Host.ensureUser("tfa2");
    }

    private final RecordingServer fs = new RecordingServer();

    @Test
    void aUnixSocketPeerIsItsOwnUserAndNobodyElse(@TempDir Path dir) {
        Host.openForOthers(dir);
        Path socket = dir.resolve("styx.sock");
        try (StyxServer s = StyxServer.listen(DialAddress.unix(socket), fs,
                ServerOptions.DEFAULTS.withSocketGroup(Host.GROUP))) {
            Host.Run r = Host.runAs("tfa1", PeerMain.class, "unix!" + socket, "none", "-", "tfa1", "root");
            assertThat(r.out()).contains("ok -\n", "ok tfa1\n",
                    "refused root: attach as root refused: this connection is user tfa1 (uid " + tfa1 + ", unix socket)");
            assertAdmittedTwiceAs(Principal.UNIX_SOCKET);
        }
    }

    @Test
    void aLoopbackTcpPeerIsItsOwnUserAndNobodyElse() {
        try (StyxServer s = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, ServerOptions.DEFAULTS)) {
            Host.Run r = Host.runAs("tfa1", PeerMain.class, s.address().toString(), "none", "-", "tfa1", "root");
            assertThat(r.out()).contains("ok -\n", "ok tfa1\n",
                    "refused root: attach as root refused: this connection is user tfa1 (uid " + tfa1 + ", loopback tcp)");
            assertAdmittedTwiceAs(Principal.LOOPBACK_TCP);
        }
    }

    @Test
    void anIpv6LoopbackPeerIsItsOwnUser() {
        assumeTrue(ipv6Loopback(), "no IPv6 loopback here");
        try (StyxServer s = StyxServer.listen(DialAddress.tcp("::1", 0), fs, ServerOptions.DEFAULTS)) {
            Host.Run r = Host.runAs("tfa1", PeerMain.class, "tcp!::1!" + s.address().port(), "none", "-", "tfa1", "tfa2");
            assertThat(r.out()).contains("ok -\n", "ok tfa1\n",
                    "refused tfa2: attach as tfa2 refused: this connection is user tfa1 (uid " + tfa1 + ", loopback tcp)");
            assertAdmittedTwiceAs(Principal.LOOPBACK_TCP);
        }
    }

    private void assertAdmittedTwiceAs(String proof) {
        assertThat(fs.callers).hasSize(2).allSatisfy(c -> {
            assertThat(c.user()).isEqualTo("tfa1");
            assertThat(c.principal()).isEqualTo(new Principal(tfa1, "tfa1", proof, false));
        });
    }

    @Test
    void rootIsASpeakerAndAttachesAsAnyone(@TempDir Path dir) throws Exception {
        try (StyxServer s = StyxServer.listen(DialAddress.unix(dir.resolve("s")), fs, ServerOptions.DEFAULTS);
             StyxClient c = StyxClient.connect(s.address(), ClientOptions.defaults()).get()) {
            c.attach("tfa1", "").get().clunk().get();
            c.attach("tfa2", "").get().clunk().get();
            c.attach("", "").get().clunk().get();
        }
        assertThat(fs.callers).extracting(Caller::user).containsExactly("tfa1", "tfa2", "root");
        assertThat(fs.callers).extracting(Caller::principal)
                .containsOnly(new Principal(0, "root", Principal.UNIX_SOCKET, true));
    }

    @Test
    void aPeerTheKernelCannotIdentifyNeedsAuthenticationOrInsecure() throws Exception {
        InetAddress own = ownNonLoopbackAddress();
        try (StyxServer open = StyxServer.listen(DialAddress.tcp(own.getHostAddress(), 0), fs, ServerOptions.DEFAULTS);
             StyxClient c = StyxClient.connect(open.address(), ClientOptions.defaults()).get()) {
            c.attach("tfa2", "").get().clunk().get();
            assertThat(fs.last().user()).isEqualTo("tfa2");
            assertThat(fs.last().principal()).isEqualTo(Principal.claimed("tfa2"));
        }
        try (StyxServer guarded = StyxServer.listen(DialAddress.tcp(own.getHostAddress(), 0), fs,
                ServerOptions.DEFAULTS.withAuth(AuthMethod.parse("munge")));
             StyxClient c = StyxClient.connect(guarded.address(), ClientOptions.defaults()).get()) {
            assertThatThrownBy(() -> c.attach("root", "").get()).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("authentication required: tcp!")
                    .hasMessageContaining("authenticate with --auth munge");
        }
    }

    /** Connections to this host's own non-loopback address do not come from loopback. */
    private static InetAddress ownNonLoopbackAddress() throws IOException {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (n.isUp() && !n.isLoopback()) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a;
                    }
                }
            }
        }
        assumeTrue(false, "no non-loopback IPv4 address on this host");
        return null;
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

}
