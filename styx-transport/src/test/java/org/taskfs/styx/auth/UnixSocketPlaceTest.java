package org.taskfs.styx.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Host;

/** Listening on unix!PATH: only over nothing or a stale socket, and never with the umask's mode. */
class UnixSocketPlaceTest {
    @TempDir
    Path dir;

    private final RecordingServer fs = new RecordingServer();

    private StyxServer listen(Path socket) {
        return StyxServer.listen(DialAddress.unix(socket), fs, ServerOptions.DEFAULTS);
    }

    @Test
    void aRegularFileIsNeverReplaced() throws Exception {
        Path file = dir.resolve("notes");
        Files.writeString(file, "keep me");
        assertThatThrownBy(() -> listen(file)).isInstanceOf(IllegalStateException.class)
                .hasMessage("refusing to listen on unix!" + file + ": it is a regular file");
        assertThat(Files.readString(file)).isEqualTo("keep me");
        assertThat(Files.list(dir)).containsExactly(file); // no private directory left behind
    }

    @Test
    void aDirectoryOrALinkIsNeverReplaced() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThatThrownBy(() -> listen(sub)).hasMessage("refusing to listen on unix!" + sub + ": it is a directory");
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("elsewhere"));
        assertThatThrownBy(() -> listen(link)).hasMessage("refusing to listen on unix!" + link + ": it is a symbolic link");
    }

    @Test
    void aLiveServersSocketIsRefusedAndKeepsServing() throws Exception {
        Path socket = dir.resolve("styx.sock");
        try (StyxServer live = listen(socket)) {
            assertThatThrownBy(() -> listen(socket))
                    .hasMessage("refusing to listen on unix!" + socket + ": another server is listening there");
            try (StyxClient c = StyxClient.connect(live.address(), ClientOptions.defaults()).get()) {
                c.attach("root", "").get().clunk().get();
            }
        }
        assertThat(socket).doesNotExist(); // removed by the server that made it
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path socket = dir.resolve("styx.sock");
        // A server that died: its socket file stays, nobody accepts on it.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        try (StyxServer s = listen(socket);
             StyxClient c = StyxClient.connect(s.address(), ClientOptions.defaults()).get()) {
            c.attach("root", "").get().clunk().get();
        }
        assertThat(fs.callers).hasSize(1);
    }

    @Test
    void theSocketIs0600Or0660WithItsGroupWhateverTheUmask() throws Exception {
        Host.assumeRoot();
        Host.ensureGroup();
        assertThat(modeUnderUmask000(dir.resolve("private.sock"), null)).isEqualTo("rw------- root");
        assertThat(modeUnderUmask000(dir.resolve("group.sock"), Host.GROUP)).isEqualTo("rw-rw---- " + Host.GROUP);
    }

    /** Starts {@link ListenMain} with umask 000 and reports the socket's permissions and group while it listens. */
    private String modeUnderUmask000(Path socket, String group) throws Exception {
        String cmd = "umask 000; exec \"$0\" -cp \"$1\" " + ListenMain.class.getName() + " \"$2\""
                + (group != null ? " \"$3\"" : "");
        List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", cmd, Host.java(),
                String.join(java.io.File.pathSeparator, Host.worldReadableClasspath()), socket.toString()));
        if (group != null) {
            argv.add(group);
        }
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).isEqualTo("listening");
            PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertThat(a.isOther()).as("a socket").isTrue();
            return java.nio.file.attribute.PosixFilePermissions.toString(a.permissions()) + " " + a.group().getName();
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
