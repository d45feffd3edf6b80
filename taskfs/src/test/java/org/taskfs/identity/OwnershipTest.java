package org.taskfs.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.coord.Sh;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.task.Security;

/**
 * A session is its owner's: its tasks run as them on the nodes (through a coordinator, which names the owner
 * to each node), other users neither see nor touch it, administrators (root, --admin-group) see all, and only
 * they change the pool and the root env. Real users of this machine, a real coordinator and node daemons.
 */
class OwnershipTest {
    static final String ALICE = "tfoalice";
    static final String BOB = "tfobob";
    static final String ADMIN = "tfoadm";
    /** Not {@link Host#GROUP}: every test user is in that one. */
    static final String ADMINS = "tfoadmins";

    private LocalCluster cluster;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void users() {
        Host.ensureUser(ALICE);
        Host.ensureUser(BOB);
        Host.ensureUser(ADMIN, ADMINS);
    }

    @BeforeEach
    void start() {
        Coordinator.Config config = Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSecurity(Security.LOCAL.withAdminGroup(ADMINS));
        cluster = LocalCluster.start(config, 2, 0, 2);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        cluster.close();
    }

    private Sh as(String user) throws Exception {
        Sh sh = Sh.connect(cluster.address(), user);
        open.add(sh);
        return sh;
    }

    @Test
    void aTaskRunsAsItsOwnerWithTheirEnvironmentAndOwnsItsDirectory() throws Exception {
        Sh alice = as(ALICE);
        String s = alice.newSession();
        alice.echo("/" + s + "/ctl", "res 2");
        alice.echo("/" + s + "/ctl", "exec sh -c 'id -u; id -gn; echo $USER $LOGNAME $HOME; "
                + "touch made; stat -c %U . made'");
        String home = Host.home(ALICE);
        String group = Host.run(java.util.List.of("id", "-gn", ALICE)).out().strip();
        for (int task = 0; task < 2; task++) {
            assertThat(alice.lines("/" + s + "/" + task + "/stdout")).as("task %d on its node", task)
                    .containsExactly(Integer.toString(uid(ALICE)), group,
                            ALICE + " " + ALICE + " " + home, ALICE, ALICE);
        }
    }

    @Test
    void anotherUsersSessionIsNeitherListedNorFound() throws Exception {
        Sh alice = as(ALICE);
        String s = alice.newSession();
        alice.echo("/" + s + "/ctl", "res 1");
        Sh bob = as(BOB);
        assertThat(bob.ls("/")).doesNotContain(s).contains("clone", "status");
        assertThat(bob.exists("/" + s)).isFalse();
        assertThat(bob.echoFails("/" + s + "/ctl", "kill")).contains("does not exist");
        assertThat(alice.ls("/")).contains(s);
    }

    @Test
    void administratorsSeeEverySession() throws Exception {
        Sh alice = as(ALICE);
        String s = alice.newSession();
        alice.echo("/" + s + "/ctl", "res 1");
        assertThat(as("root").ls("/")).contains(s);
        Sh admin = as(ADMIN);
        assertThat(admin.ls("/")).contains(s);
        assertThat(admin.cat("/" + s + "/status")).startsWith("cmd/");
    }

    @Test
    void onlyAdministratorsWriteRootCtlAndEnv() throws Exception {
        Sh bob = as(BOB);
        assertThat(bob.echoFails("/env", "LD_PRELOAD=/tmp/evil.so")).contains("permission denied");
        assertThat(bob.echoFails("/ctl", "drain node0")).contains("permission denied");
        String s = bob.newSession();
        assertThat(bob.cat("/" + s + "/env")).doesNotContain("LD_PRELOAD");

        as(ADMIN).echo("/env", "SITE=lab");
        String t = bob.newSession();
        assertThat(bob.cat("/" + t + "/env")).contains("SITE=lab");
    }

    @Test
    void spliceReadsOnlyWhatItsOwnerMayRead() throws Exception {
        Sh alice = as(ALICE);
        String a = alice.newSession();
        alice.echo("/" + a + "/ctl", "res 1");
        alice.echo("/" + a + "/ctl", "exec echo secret");
        Sh bob = as(BOB);
        String b = bob.newSession();
        bob.echo("/" + b + "/ctl", "res 1");
        assertThat(bob.echoFails("/" + b + "/ctl", "splice /" + a + "/0/stdout"))
                .startsWith("splice /" + a + "/0/stdout: ").contains("does not exist");
    }

    @Test
    void aNodeNotRunningAsRootServesOnlyItsOwnUser() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        DialAddress at = DialAddress.tcp("127.0.0.1", port);
        Process node = Host.javaAs(ALICE, "org.taskfs.cli.Main", "node", "--listen", at.toString(),
                "--slots", "2").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Sh alice = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> Sh.connect(at, ALICE), c -> true);
            open.add(alice);
            String s = alice.newSession();
            alice.echo("/" + s + "/ctl", "res 1");
            alice.echo("/" + s + "/ctl", "exec id -u");
            assertThat(alice.cat("/" + s + "/0/stdout").trim()).isEqualTo(Integer.toString(uid(ALICE)));

            Sh bob = Sh.connect(at, BOB);
            open.add(bob);
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(bob::newSession);
            assertThat(refused).hasMessageContaining("this node runs as " + ALICE + " and serves only " + ALICE)
                    .hasMessageContaining("cannot run tasks as " + BOB);
        } finally {
            Host.killTree(node);
        }
    }

    private static int uid(String user) {
        return Integer.parseInt(Host.run(java.util.List.of("id", "-u", user)).out().strip());
    }
}
