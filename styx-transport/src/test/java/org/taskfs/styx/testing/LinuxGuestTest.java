package org.taskfs.styx.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest harness itself: its kernel, its script channel, and a real 9P2000.L server (diod) mounted in it. */
class LinuxGuestTest {
    private final LinuxGuest guest = LinuxGuest.shared();

    @Test
    void runsTheKernelItFetched() {
        LinuxGuest.Result r = guest.run("uname -r");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEqualTo(guest.kernelRelease() + "\n");
        assertThat(guest.kernelRelease()).matches("\\d+\\.\\d+\\.\\d+-\\d+-amd64");
        assertThat(guest.console()).anyMatch(l -> l.contains("taskfs-guest: calling the host"));
    }

    @Test
    void keepsStdoutStderrAndExitApartByteForByte() {
        LinuxGuest.Result r = guest.run("printf '\\0\\1\\377'; printf 'e\\0rr' >&2; exit 3");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.stdoutBytes()).containsExactly(0, 1, 0xff);
        assertThat(r.stderrBytes()).containsExactly('e', 0, 'r', 'r');

        LinuxGuest.Result empty = guest.run("");
        assertThat(empty.exit()).isZero();
        assertThat(empty.stdoutBytes()).isEmpty();
        assertThat(empty.stderrBytes()).isEmpty();

        assertThat(guest.run("pwd; id -u").stdout()).isEqualTo("/\n0\n");
    }

    @Test
    void aScriptOutOfTimeIsKilledWithItsChildrenAndTheNextOneRuns() {
        LinuxGuest.Result r = guest.run(Duration.ofSeconds(1),
                "echo started; sleep 300 & echo $! > /tmp/child; wait");
        assertThat(r.timedOut()).isTrue();
        assertThat(r.stdout()).isEqualTo("started\n");

        // SIGKILL is sent to the whole group before the result comes back, but the child dies when the guest's
        // scheduler gets to it, and lingers as a zombie until reaped: either is gone for a user.
        String check = "s=$(cut -d' ' -f3 /proc/$(cat /tmp/child)/stat 2>/dev/null);"
                + " [ -n \"$s\" ] && [ \"$s\" != Z ] && echo alive || echo gone";
        await().atMost(Duration.ofSeconds(20)).until(() -> guest.run(check).stdout(), "gone\n"::equals);
    }

    @Test
    void aStartedProcessOutlivesItsScriptAndTakesSigintLater() {
        // A script's commands start with default signals, its background jobs with SIGINT and SIGQUIT ignored.
        assertThat(guest.run("grep SigIgn /proc/self/status").stdout()).isEqualTo("SigIgn:\t0000000000000000\n");
        // Read once the child has exec'd sleep: between fork and exec the shell is still setting them up.
        assertThat(guest.run("sleep 300 & p=$!; until [ \"$(cat /proc/$p/comm)\" = sleep ]; do :; done; "
                + "grep SigIgn /proc/$p/status; kill $p").stdout())
                .isEqualTo("SigIgn:\t0000000000000006\n");

        long pid = guest.start("echo $$ > /tmp/started-sleep; exec sleep 300");
        assertThat(guest.run("cat /tmp/started-sleep; grep SigIgn /proc/" + pid + "/status").stdout())
                .isEqualTo(pid + "\nSigIgn:\t0000000000000000\n");
        guest.run("kill -INT " + pid);
        await().atMost(Duration.ofSeconds(20)).until(() -> !guest.alive(pid));
    }

    @Test
    void mountsDiodThroughARoute(@TempDir Path export) throws Exception {
        Host.assumeRoot();
        byte[] content = {'h', 'i', 0, (byte) 0xff, '\n'};
        Files.write(export.resolve("hello.bin"), content);
        int port = freePort();
        Process diod = new ProcessBuilder("/usr/sbin/diod", "-f", "-n", "-l", "127.0.0.1:" + port, "-e",
                export.toString()).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "linux-guest-diod.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> accepts(port));
            guest.route(LinuxGuest.FIRST_PORT + 1, port);
            String mount = LinuxGuest.mountCommand(LinuxGuest.FIRST_PORT + 1, "/mnt/diod", "9p2000.L",
                    "aname=" + export + ",uname=root,access=user");
            LinuxGuest.Result r = guest.run(mount + " && cat /mnt/diod/hello.bin");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.stdoutBytes()).isEqualTo(content);

            LinuxGuest.Result ls = guest.run("ls -l /mnt/diod; grep ' /mnt/diod ' /proc/mounts");
            assertThat(ls.stdout()).contains("hello.bin").containsPattern("\\b5\\b.*hello\\.bin")
                    .contains("9p").contains("trans=tcp");
        } finally {
            guest.run("umount /mnt/diod");
            diod.destroy();
            diod.waitFor();
        }
    }

    @Test
    void aPortWithoutARouteRefusesTheMount() {
        int unrouted = LinuxGuest.FIRST_PORT + LinuxGuest.PORTS - 1;
        LinuxGuest.Result r = guest.run(Duration.ofSeconds(30),
                LinuxGuest.mountCommand(unrouted, "/mnt/nowhere", "9p2000.L", ""));
        assertThat(r.timedOut()).isFalse();
        assertThat(r.exit()).as(r.toString()).isNotZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
