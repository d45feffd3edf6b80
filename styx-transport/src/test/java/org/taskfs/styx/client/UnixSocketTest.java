package org.taskfs.styx.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.dial.Transport;

class UnixSocketTest extends ClientTestBase {

    @Test
    void connectsToAUnixSocket(@TempDir Path dir) throws Exception {
        assumeTrue(Transport.isNative(), "Unix sockets need Netty's epoll transport");
        Path socket = dir.resolve("taskfs.sock");
        ScriptedServer server = ScriptedServer.at(DialAddress.unix(socket), new MemoryTree().file("arch", "Linux amd64\n"));
        try {
            StyxClient c = get(StyxClient.connect(DialAddress.parse("unix!" + socket, 5555), ClientOptions.defaults()));
            try {
                assertThat(c.address().toString()).isEqualTo("unix!" + socket);
                assertThat(get(c.readString("arch"))).isEqualTo("Linux amd64\n");
            } finally {
                c.close();
                get(c.closeFuture());
            }
        } finally {
            server.close();
        }
    }
}
