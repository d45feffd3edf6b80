package org.taskfs.styx.dial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DialAddressTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "tcp!example.org!5555  | tcp!example.org!5555",
            "TCP!example.org!6666  | tcp!example.org!6666",
            "net!10.0.0.1!564      | tcp!10.0.0.1!564",
            "tcp!node1             | tcp!node1!7000",
            "tcp!node1!9fs         | tcp!node1!564",
            "tcp!node1!styx        | tcp!node1!6666",
            "tcp!*!5555            | tcp!0.0.0.0!5555",
            "node1:5555            | tcp!node1!5555",
            "*:5555                | tcp!0.0.0.0!5555",
            "node1                 | tcp!node1!7000",
            "'  node1  '           | tcp!node1!7000",
            "127.0.0.1:0           | tcp!127.0.0.1!0",
            "[::1]:5555            | tcp!::1!5555",
            "[fe80::1]             | tcp!fe80::1!7000",
            "::1                   | tcp!::1!7000",
            "unix!/run/taskfs.sock | unix!/run/taskfs.sock",
            "/run/taskfs.sock      | unix!/run/taskfs.sock",
    })
    void parsesEveryForm(String text, String expected) {
        DialAddress a = DialAddress.parse(text, 7000);
        assertThat(a.toString()).isEqualTo(expected);
        // toString is itself a dial string that parses back to the same address
        assertThat(DialAddress.parse(a.toString(), 1)).isEqualTo(a);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "tcp!h!x         | bad port \"x\" in \"tcp!h!x\"; expected 0..65535",
            "tcp!h!65536     | bad port \"65536\" in \"tcp!h!65536\"; expected 0..65535",
            "tcp!h!-1        | bad port \"-1\" in \"tcp!h!-1\"; expected 0..65535",
            "tcp!h!+5        | bad port \"+5\" in \"tcp!h!+5\"; expected 0..65535",
            "h:              | bad port \"\" in \"h:\"; expected 0..65535",
            "h:99999999999   | bad port \"99999999999\" in \"h:99999999999\"; expected 0..65535",
            "tcp!h!1!2       | bad address \"tcp!h!1!2\"; expected tcp!host!port",
            "tcp!!5555       | bad address \"tcp!!5555\"; expected tcp!host!port",
            "udp!h!1         | unsupported network \"udp\" in \"udp!h!1\"; use tcp or unix",
            "unix!           | bad address \"unix!\"; expected unix!/path/to/socket",
            "unix!/a!b       | bad address \"unix!/a!b\"; expected unix!/path/to/socket",
            "[::1            | bad address \"[::1\": unclosed [",
            "[::1]5555       | bad address \"[::1]5555\"; expected [host]:port",
            "[]:5555         | bad address \"[]:5555\": empty host in []",
            ":5555           | bad address \":5555\": no host before the colon; expected host:port (for every interface write *:port)",
    })
    void rejectsBadAddressesSayingWhatWouldBeRight(String text, String message) {
        assertThatThrownBy(() -> DialAddress.parse(text, 5555))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsEmpty(String text) {
        assertThatThrownBy(() -> DialAddress.parse(text, 5555)).hasMessageStartingWith("empty address");
        assertThatThrownBy(() -> DialAddress.parse(null, 5555)).hasMessageStartingWith("empty address");
    }

    @ParameterizedTest(name = "{0} local={1}")
    @CsvSource({
            "localhost:1, true", "tcp!127.0.0.1!1, true", "127.1.2.3, true", "[::1]:1, true",
            "unix!/tmp/s, true", "*:5555, false", "10.0.0.1:1, false", "example.org, false",
    })
    void knowsWhatStaysOnThisMachine(String text, boolean local) {
        assertThat(DialAddress.parse(text, 5555).isLocalOnly()).isEqualTo(local);
    }

    @Test
    void makesSocketAddresses() {
        assertThat(DialAddress.parse("127.0.0.1:5555", 1).toSocketAddress())
                .isEqualTo(new InetSocketAddress("127.0.0.1", 5555));
        assertThat(DialAddress.parse("unix!/tmp/s", 1).toSocketAddress())
                .isInstanceOfSatisfying(DomainSocketAddress.class, d -> assertThat(d.path()).isEqualTo("/tmp/s"));
    }

    @Test
    void withPortKeepsTheHostAndRefusesUnixSockets() {
        assertThat(DialAddress.parse("node1", 6666).withPort(7)).isEqualTo(DialAddress.tcp("node1", 7));
        assertThatThrownBy(() -> DialAddress.unix(Path.of("/tmp/s")).withPort(7))
                .isInstanceOf(IllegalStateException.class).hasMessage("unix!/tmp/s is a Unix socket; it has no port");
        assertThatThrownBy(() -> DialAddress.tcp("h", 70000)).hasMessage("port 70000 is out of range");
        assertThatThrownBy(() -> DialAddress.tcp("", 1)).hasMessageStartingWith("empty host");
    }

    @Test
    void aCommaSeparatedListIsAServerAndItsStandIns() {
        assertThat(DialAddress.parseList("tcp!a!1,b:2, c", 5555)).containsExactly(DialAddress.tcp("a", 1),
                DialAddress.tcp("b", 2), DialAddress.tcp("c", 5555));
        assertThat(DialAddress.parseList("tcp!a!1", 5555)).containsExactly(DialAddress.tcp("a", 1));
        assertThatThrownBy(() -> DialAddress.parseList("a:1,,b:2", 5555))
                .hasMessageStartingWith("empty address in the list \"a:1,,b:2\"");
        assertThatThrownBy(() -> DialAddress.parseList("a:1,b:x", 5555)).hasMessageContaining("bad port \"x\"");
    }
}
