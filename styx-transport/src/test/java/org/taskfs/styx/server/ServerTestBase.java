package org.taskfs.styx.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.net.Socket;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.taskfs.styx.dial.DialAddress;

/** Starts servers on a free loopback port and closes them, and every client, after each test. */
abstract class ServerTestBase {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @BeforeAll
    static void quickPolling() {
        // Awaitility's default first poll after 100 ms would dominate these millisecond exchanges.
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(5));
        Awaitility.setDefaultTimeout(Duration.ofSeconds(10));
    }

    StyxServer serve(FileServer fs) {
        return serve(fs, ServerOptions.DEFAULTS);
    }

    StyxServer serve(FileServer fs, ServerOptions options) {
        StyxServer s = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, options);
        opened.push(s);
        return s;
    }

    RawStyx connect(StyxServer s) {
        RawStyx c = RawStyx.connect(s.address());
        opened.push(c);
        return c;
    }

    RawStyx connect(StyxServer s, Consumer<Socket> configure) {
        RawStyx c = RawStyx.connect(s.address(), configure);
        opened.push(c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }
}
