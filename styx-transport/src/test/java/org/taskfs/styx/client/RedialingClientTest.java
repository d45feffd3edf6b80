package org.taskfs.styx.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Ports;

/**
 * {@link RedialingClient} against servers on loopback that are stopped and started again on the same port (in
 * this JVM; the processes killed with SIGKILL are ReconnectMountTest's, in the taskfs module).
 */
class RedialingClientTest extends ClientTestBase {
    private final RamFs tree = new RamFs(System.getProperty("user.name"));
    private final List<StyxServer> running = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private RedialingClient client;

    RedialingClientTest() {
        tree.put("f", "hello world".getBytes(StandardCharsets.UTF_8));
    }

    private StyxServer listen(int port) {
        StyxServer s = StyxServer.listen(DialAddress.tcp("127.0.0.1", port), tree, ServerOptions.DEFAULTS);
        running.add(s);
        return s;
    }

    private void stop(StyxServer s) {
        running.remove(s); // closed once: a second close never returns
        s.close();
    }

    private RedialingClient connect(DialAddress at, Duration reconnectTimeout) throws Exception {
        client = get(RedialingClient.connect(List.of(at), ClientOptions.defaults(), reconnectTimeout, events::add));
        return client;
    }

    @AfterEach
    void stopAll() {
        if (client != null) {
            client.close();
        }
        for (StyxServer s : List.copyOf(running)) {
            stop(s);
        }
    }

    @Test
    void anOperationDuringTheOutageWaitsAndAnOpenFileReadsOnAtItsOffset() throws Exception {
        StyxServer first = listen(Ports.unusedBelowEphemeralRange()); // none of the redials can take it
        int port = first.address().port();
        RedialingClient c = connect(first.address(), Duration.ofSeconds(30));
        DurableFid f = get(c.open("f", P9.OREAD));
        assertThat(new String(get(f.read(0, 5)), StandardCharsets.UTF_8)).isEqualTo("hello");

        stop(first);
        CompletableFuture<byte[]> rest = f.read(5, 100);
        CompletableFuture<Dir> stat = c.stat("f");
        assertThat(rest).as("nothing listens: it can only wait").isNotDone();
        assertThat(stat).isNotDone();

        listen(port);
        assertThat(new String(get(rest), StandardCharsets.UTF_8)).isEqualTo(" world");
        assertThat(get(stat).length()).isEqualTo(11);
        assertThat(c.redials()).isEqualTo(1);
        assertThat(events).containsExactly("connection to tcp!127.0.0.1!" + port + " lost; redialing",
                "reconnected to tcp!127.0.0.1!" + port + " (connection 1)");
        get(f.clunk());
    }

    @Test
    void closingTheClientEndsEveryWait() throws Exception {
        StyxServer s = listen(0);
        RedialingClient c = connect(s.address(), Duration.ofSeconds(600));
        stop(s);
        CompletableFuture<Dir> stat = c.stat("f");
        c.close();
        assertThat(failure(stat)).isInstanceOf(StyxConnectionException.class).hasMessageEndingWith(" closed");
    }

    @Test
    void withAReconnectTimeoutOfZeroAnOperationDuringTheOutageFailsAtOnce() throws Exception {
        StyxServer s = listen(0);
        RedialingClient c = connect(s.address(), Duration.ZERO);
        stop(s);
        assertThat(failure(c.stat("f"))).isInstanceOf(StyxConnectionException.class)
                .hasMessageContaining("the reconnect timeout is 0: not waiting");
    }
}
