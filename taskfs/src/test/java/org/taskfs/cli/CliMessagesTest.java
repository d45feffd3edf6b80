package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.taskfs.cli.CliTest.taskfs;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.cli.CliTest.Run;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;

/** Errors a new user meets on day one: each names the problem, where it is, and what to do. */
class CliMessagesTest {

    @Test
    void aRefusedConnectionNamesTheAddressAndAsksWhetherTheServerRuns() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        Run r = taskfs("cat", "-a", "tcp!127.0.0.1!" + port, "/clone");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: cannot connect to tcp!127.0.0.1!" + port + ": Connection refused"
                + " (nothing listens there: is taskfs up or taskfs serve running? Give its address with -a ADDR or"
                + " $TASKFS_ADDR)");
    }

    @Test
    void aPortInUseIsNamedWithTheWayOut() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String at = "tcp!127.0.0.1!" + taken.getLocalPort();
            for (String server : new String[] {"node", "serve"}) {
                Run r = taskfs(server, "--listen", at);

                assertThat(r.code()).as(server).isEqualTo(1);
                assertThat(r.err().strip()).as(server).startsWith("taskfs: cannot listen on " + at
                        + ": Address already in use (another process listens there: stop it, or choose another "
                        + "address: --listen ADDR");
            }
        }
    }

    @Test
    void aBadReconnectTimeoutOrAddressListIsNamedAndAListNoneOfWhichAnswersNamesEach(@TempDir Path dir)
            throws Exception {
        Run negative = taskfs("mount", "--reconnect-timeout", "-1", "tcp!127.0.0.1!1", dir.toString());
        assertThat(negative.code()).isEqualTo(1);
        assertThat(negative.err().strip())
                .isEqualTo("taskfs: --reconnect-timeout -1.0 is not a number of seconds (0 or more)");

        Run empty = taskfs("cat", "-a", "tcp!127.0.0.1!1,,tcp!127.0.0.1!2", "clone");
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err().strip()).startsWith("taskfs: empty address in the list \"tcp!127.0.0.1!1,,tcp!127.0.0.1!2\"");

        int[] ports = new int[2];
        for (int i = 0; i < 2; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                ports[i] = s.getLocalPort(); // free once closed: nothing listens there
            }
        }
        String a = "tcp!127.0.0.1!" + ports[0];
        String b = "tcp!127.0.0.1!" + ports[1];
        Run none = taskfs("cat", "-a", a + "," + b, "clone");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err().strip()).startsWith("taskfs: no server answered: " + a + ": cannot connect to " + a
                + ": Connection refused; " + b + ": cannot connect to " + b + ": Connection refused (nothing listens");
    }

    @Test
    void aMissingHostfileIsNamedAsAHostfileThatIsNotThere(@TempDir Path dir) {
        Path missing = dir.resolve("hosts");
        Run r = taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--hostfile", missing.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: cannot read the hostfile " + missing + ": no such file or directory");
    }

    @Test
    void aStateDirectoryThatIsAFileIsNamedSo(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("state"), "not a directory");
        Run r = taskfs("serve", "--listen", "tcp!127.0.0.1!0", "--state", file.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: --state " + file + ": cannot keep the state there: " + file
                + " exists and is not a directory");
    }

    @Test
    void aMountPointThatIsNotThereStopsUpBeforeAnythingStarts(@TempDir Path dir) {
        Path missing = dir.resolve("mnt");
        Run r = taskfs("up", "--listen", "tcp!127.0.0.1!0", "--node-port", "0", "--nodes", "1", "--mount", missing.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("taskfs: cannot mount on " + missing + ": no such directory (make it first: "
                + "mkdir -p " + missing + ")");
        assertThat(r.out()).doesNotContain("coordinator on");
    }

    @Test
    void aRefusedFileOperationNamesTheOperationAndTheFile() {
        try (LocalCluster cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 1, 0, 2)) {
            String addr = cluster.address().toString();
            String s = taskfs("cat", "-a", addr, "/clone").out();

            Run status = taskfs("write", "-a", addr, "/" + s + "/status", "hi");
            assertThat(status.code()).isEqualTo(1);
            assertThat(status.err().strip()).isEqualTo("taskfs: write /" + s + "/status: permission denied");

            Run verb = taskfs("write", "-a", addr, "/" + s + "/ctl", "exce", "ls");
            assertThat(verb.err().strip()).isEqualTo("taskfs: write /" + s + "/ctl: unknown control message \"exce ls\"");

            Run missing = taskfs("cat", "-a", addr, "/" + s + "/nosuch");
            assertThat(missing.err().strip()).startsWith("taskfs: cat /" + s + "/nosuch: file does not exist");
        }
    }
}
