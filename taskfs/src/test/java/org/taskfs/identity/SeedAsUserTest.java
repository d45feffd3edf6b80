package org.taskfs.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.Coordinator;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;

/**
 * The seed session typed by an unprivileged user into their own {@code taskfs mount} of a coordinator run by
 * root: {@code cat status} shows their tasks, and {@code id -u} inside a task prints their uid.
 */
class SeedAsUserTest {
    static final String USER = "tfoalice";

    private LocalCluster cluster;
    private Path dir;
    private Process mount;

    @BeforeEach
    void start() throws Exception {
        Host.ensureUser(USER);
        // Debian's udev rule makes /dev/fuse 0666, so that users can mount; containers often leave it 0600.
        Files.setPosixFilePermissions(Path.of("/dev/fuse"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        cluster = LocalCluster.start(Coordinator.Config.defaults(DialAddress.tcp("127.0.0.1", 0)), 2, 0, 2);
        dir = Files.createTempDirectory("taskfs-seed-user-");
        Files.setAttribute(dir, "unix:uid", uid(USER));
    }

    @AfterEach
    void stop() throws Exception {
        if (mounted()) {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        if (mount != null) {
            Host.killTree(mount);
        }
        Files.deleteIfExists(dir);
        cluster.close();
    }

    private boolean mounted() throws Exception {
        String canonical = dir.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(canonical));
    }

    @Test
    void theSeedSessionThroughTheUsersOwnMountRunsAsThem() throws Exception {
        Path log = Files.createTempFile("taskfs-seed-user-", ".log");
        mount = Host.javaAs(USER, "org.taskfs.cli.Main", "mount", cluster.address().toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).failFast("the mount exited: " + log, () -> !mount.isAlive())
                .until(this::mounted);

        String script = "cd " + dir + " && n=$(cat clone) && cd $n && echo res 2 > ctl && ls && "
                + "echo exec id -u > ctl && cat 0/stdout 1/stdout && cat status";
        Process sh = new ProcessBuilder("runuser", "-u", USER, "--", "sh", "-c", script)
                .redirectErrorStream(true).start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sh.exitValue()).as(out).isZero();

        List<String> lines = out.lines().toList();
        String uid = Integer.toString(uid(USER));
        assertThat(lines).as(out).startsWith("0", "1").contains("ctl", "stdout", "wait");
        assertThat(lines.stream().filter(uid::equals)).as("each task printed the user's uid").hasSize(2);
        assertThat(lines.stream().filter(l -> l.startsWith("cmd/"))).as("status of their two tasks").hasSize(2);
    }

    private static int uid(String user) {
        return Integer.parseInt(Host.run(java.util.List.of("id", "-u", user)).out().strip());
    }
}
