package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Ports;

/** Mounting and unmounting: readiness, waited unmounts, dead mounts, mounts of other processes. */
class MountLifecycleTest extends MountTestBase {

    private StyxServer ramServer(String file) {
        RamFs ram = new RamFs(System.getProperty("user.name"));
        ram.put(file, (file + "\n").getBytes(StandardCharsets.UTF_8));
        return serve(ram);
    }

    /** A JVM of its own that mounts a RamFs on {@code dir}; returns once it says the mount is ready. */
    private Process childMount(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildMount.class.getName(),
                dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        closeLater(() -> {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
        // After the child is gone, whatever it left on dir goes too (before dir itself is removed).
        closeLater(() -> {
            if (MountTable.isMounted(dir)) {
                MountTable.fusermount(dir, true);
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        return p;
    }

    @Test
    void mountReturnsReadyAndCloseReturnsUnmounted() throws Exception {
        StyxServer server = ramServer("a");
        Path dir = emptyDir();
        for (int i = 0; i < 3; i++) { // again and again on one directory: each unmount is complete
            FuseMount m = FuseMount.mount(server.address(), dir, FuseMount.Options.defaults());
            try {
                assertThat(MountTable.isMounted(dir)).isTrue();
                assertThat(Files.readString(dir.resolve("a"))).isEqualTo("a\n"); // no wait needed
            } finally {
                m.close();
            }
            assertThat(MountTable.isMounted(dir)).isFalse();
            assertThat(m.whenUnmounted()).isDone();
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s).isEmpty();
            }
            m.close(); // again: nothing to do
        }
    }

    @Test
    void aDeadMountIsClearedBeforeMounting() throws Exception {
        Path dir = emptyDir();
        Process child = childMount(dir);
        assertThat(Files.readString(dir.resolve("from-child"))).isEqualTo("yes\n");

        child.destroyForcibly(); // kill -9: nobody unmounts
        assertThat(child.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(MountTable.isStale(dir)).as("stat says: Transport endpoint is not connected").isTrue();
        assertThatThrownBy(() -> Files.list(dir)).hasMessageContaining("Transport endpoint is not connected");

        StyxServer server = ramServer("b");
        FuseMount m = mount(server.address(), dir, FuseMount.Options.defaults());
        assertThat(Files.readString(m.dir().resolve("b"))).isEqualTo("b\n");
    }

    @Test
    void unmountTakesDownAnotherProcesssMountAndWaits() throws Exception {
        Path dir = emptyDir();
        Process child = childMount(dir);

        FuseMount.unmount(dir);
        assertThat(MountTable.isMounted(dir)).isFalse();
        assertThat(child.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the child's mount ended").isTrue();
        assertThat(child.exitValue()).isZero();

        assertThatThrownBy(() -> FuseMount.unmount(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("not mounted");
    }

    @Test
    void mountFailsClearly() throws Exception {
        StyxServer server = ramServer("c");
        Path full = emptyDir();
        Files.writeString(full.resolve("occupied"), "x");
        closeLater(() -> Files.deleteIfExists(full.resolve("occupied")));
        assertThatThrownBy(() -> FuseMount.mount(server.address(), full, FuseMount.Options.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("not empty");
        Path missing = full.resolve("missing");
        assertThatThrownBy(() -> FuseMount.mount(server.address(), missing, FuseMount.Options.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("no such directory");

        int closedPort = Ports.unusedBelowEphemeralRange();
        Path dir = emptyDir();
        assertThatThrownBy(() -> FuseMount.mount(DialAddress.tcp("127.0.0.1", closedPort), dir,
                FuseMount.Options.defaults())).isInstanceOf(IOException.class).hasMessageContaining("cannot connect");
        assertThat(MountTable.isMounted(dir)).isFalse();

        FuseMount m = mount(server.address(), dir, FuseMount.Options.defaults());
        assertThatThrownBy(() -> FuseMount.mount(server.address(), dir, FuseMount.Options.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("mounted there already");
        assertThat(m.whenUnmounted()).isNotDone();
    }
}
