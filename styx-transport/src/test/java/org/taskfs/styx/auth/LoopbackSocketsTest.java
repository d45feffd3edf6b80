package org.taskfs.styx.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The kernel's socket table read right: hex words in host order, ports, IPv4-mapped IPv6. */
class LoopbackSocketsTest {
    private static byte[] v6(String literal) throws IOException {
        return LoopbackSockets.ipv6(InetAddress.getByName(literal));
    }

    @Test
    void tableAddressesAreHostOrderWords() throws Exception {
        assertThat(LoopbackSockets.parseAddress("0100007F")).isEqualTo(v6("127.0.0.1"));
        assertThat(LoopbackSockets.parseAddress("0000000000000000FFFF00000100007F")).isEqualTo(v6("127.0.0.1"));
        assertThat(LoopbackSockets.parseAddress("00000000000000000000000001000000")).isEqualTo(v6("::1"));
        assertThat(LoopbackSockets.parseAddress("B80D0120000000000000000001000000")).isEqualTo(v6("2001:db8::1"));
    }

    @Test
    void aLineMatchesOnlyThePeersOwnSocket() throws Exception {
        String peerSide = "   3: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 4242";
        String ourSide = "   4: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4243";
        byte[] lo = v6("127.0.0.1");
        assertThat(LoopbackSockets.match(peerSide, lo, 50000, lo, 8080)).hasValue(1001);
        assertThat(LoopbackSockets.match(ourSide, lo, 50000, lo, 8080)).isEmpty();
        String mapped = "   0: 0000000000000000FFFF00000100007F:C350 0000000000000000FFFF00000100007F:1F90 01 "
                + "00000000:00000000 00:00000000 00000000  1002        0 77 1 0000000000000000 20 4 0 10 -1";
        assertThat(LoopbackSockets.match(mapped, lo, 50000, lo, 8080)).hasValue(1002);
    }

    @Test
    void theOwnerOfARealLoopbackPeerIsFound() throws Exception {
        for (String host : new String[] {"127.0.0.1", "::1", "127.0.0.2"}) {
            InetAddress a = InetAddress.getByName(host);
            try (ServerSocket ss = new ServerSocket()) {
                try {
                    ss.bind(new InetSocketAddress(a, 0));
                } catch (IOException e) {
                    assumeTrue(!host.equals("127.0.0.1"), "no loopback");
                    continue; // no IPv6 here
                }
                try (Socket client = new Socket(a, ss.getLocalPort()); Socket accepted = ss.accept()) {
                    InetSocketAddress peer = (InetSocketAddress) accepted.getRemoteSocketAddress();
                    InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
                    assertThat(LoopbackSockets.isLoopback(peer.getAddress())).isTrue();
                    assertThat(LoopbackSockets.ownerOf(peer, local)).as(host).hasValue(Users.selfUid());
                    // Both ways of asking give the same answer: netlink's one lookup and the tables' scan.
                    assertThat(SockDiag.ownerOf(peer, local)).as("netlink, %s", host).hasValue(Users.selfUid());
                    assertThat(LoopbackSockets.scan(peer, local)).as("tables, %s", host).hasValue(Users.selfUid());
                    InetSocketAddress gone = new InetSocketAddress(peer.getAddress(), 1);
                    assertThat(SockDiag.ownerOf(gone, local)).as("no such socket, %s", host).isEmpty();
                }
            }
        }
    }
}
