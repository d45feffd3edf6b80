package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.testing.LinuxGuest;

/**
 * The Linux kernel's own 9P client (v9fs, in a QEMU guest) mounts a coordinator over two node daemons, a node
 * daemon alone and RamFs, in each of the three dialects, and a shell in the guest goes through the seed
 * transcript as a user would. One guest boot and one cluster serve the whole class.
 */
class KernelMountTest {
    private static final int COORDINATOR = LinuxGuest.FIRST_PORT;
    private static final int NODE = LinuxGuest.FIRST_PORT + 1;
    private static final int RAMFS = LinuxGuest.FIRST_PORT + 2;
    private static final List<String> TASK_FILES =
            List.of("ctl", "stdio", "stdin", "stdout", "stderr", "status", "wait", "args", "env", "ns", "err");

    private static LinuxGuest guest;
    private static LocalCluster cluster;
    private static StyxServer ramfs;
    private static String host;

    @BeforeAll
    static void start() throws Exception {
        guest = LinuxGuest.shared();
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 4);
        ramfs = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), new RamFs("root"), ServerOptions.DEFAULTS);
        guest.route(COORDINATOR, cluster.address().port());
        guest.route(NODE, cluster.nodes().get(0).address().port());
        guest.route(RAMFS, ramfs.address().port());
        host = ClusterTestBase.hostname();
    }

    @AfterAll
    static void stop() {
        if (ramfs != null) {
            ramfs.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Mounts {@code port} on {@code dir} in {@code version}, runs {@code body} there, unmounts whatever happened. */
    private static LinuxGuest.Result mounted(int port, String dir, String version, String body) {
        String script = "set -e\n" + LinuxGuest.mountCommand(port, dir, version, "uname=root") + "\n"
                // Whatever happened, the session $s made goes, so no later test finds its slots taken.
                + "trap 'cd /; [ -n \"$s\" ] && echo release > " + dir + "/$s/ctl; umount " + dir + "' EXIT\n"
                + "cd " + dir + "\n" + body;
        LinuxGuest.Result r = guest.run(Duration.ofSeconds(90), script);
        assertThat(r.exit()).as("guest script in %s:\n%s\nstderr: %s", version, body, r.stderr()).isZero();
        return r;
    }

    /** The sections of a script's output, each begun by a line "== NAME". */
    private static Map<String, String> sections(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        String name = null;
        StringBuilder b = new StringBuilder();
        for (String line : out.split("\n", -1)) {
            if (line.startsWith("== ")) {
                if (name != null) {
                    m.put(name, b.toString());
                }
                name = line.substring(3);
                b.setLength(0);
            } else if (name != null) {
                b.append(line).append('\n');
            }
        }
        if (name != null) {
            m.put(name, b.toString().replaceAll("\n$", ""));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.L", "9p2000.u", "9p2000"})
    void theSeedTranscriptThroughAKernelMountOfTheCoordinator(String version) {
        LinuxGuest.Result r = mounted(COORDINATOR, "/mnt/coord", version, """
                s=$(cat clone)
                echo "== session"; echo $s
                cd $s
                echo res 4 > ctl
                echo "== ls"; ls
                echo "== tree"; tree --noreport --charset=ascii
                echo "== ls -l"; ls -l
                echo "== status"; cat status
                echo exec hostname > ctl
                echo "== stdio"; cat stdio
                echo "== stderr"; cat stderr
                cd 0
                echo "== sibling"; cat ../2/stdout
                echo "== mounts"; grep ' /mnt/coord ' /proc/mounts
                """);
        Map<String, String> out = sections(r.stdout());
        assertThat(out.get("session")).matches("\\d+\n");
        assertThat(out.get("ls").split("\n")).containsExactlyInAnyOrder(
                "0", "1", "2", "3", "ctl", "stdio", "stdin", "stdout", "stderr", "status", "wait", "args", "env",
                "ns", "err");
        assertThat(out.get("tree").split("\n")).hasSize(1 + TASK_FILES.size() + 4 * (1 + TASK_FILES.size()))
                .startsWith(".", "|-- 0", "|   |-- args").contains("|-- 3", "|   `-- wait", "`-- wait");
        assertThat(out.get("ls -l"))
                .containsPattern("(?m)^dr-x------ +\\d+ \\S+ +\\S+ +0 .* 3$")
                .containsPattern("(?m)^-rw------- +1 \\S+ +\\S+ +0 .* ctl$")
                .containsPattern("(?m)^--w------- +1 \\S+ +\\S+ +0 .* stdin$")
                .containsPattern("(?m)^-r-------- +1 \\S+ +\\S+ +0 .* wait$");
        assertThat(out.get("status").split("\n")).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Closed \\S+ ''"));
        assertThat(out.get("stdio")).isEqualTo((host + "\n").repeat(4));
        assertThat(out.get("stderr")).isEmpty();
        assertThat(out.get("sibling")).isEqualTo(host + "\n");
        // The dialect the kernel asked for is the one it got: asked for .L or .u, it did not fall back to noextend.
        switch (version) {
            case "9p2000.L" -> assertThat(out.get("mounts")).doesNotContain("noextend").doesNotContain("version=");
            case "9p2000.u" -> assertThat(out.get("mounts")).contains("version=9p2000.u").doesNotContain("noextend");
            default -> assertThat(out.get("mounts")).contains("noextend");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.L", "9p2000.u", "9p2000"})
    void aNodeDaemonAndRamFsMountToo(String version) {
        LinuxGuest.Result node = mounted(NODE, "/mnt/node", version, """
                s=$(cat clone); cd $s
                echo res 2 > ctl
                printf 'exec echo hello\\n' > ctl
                echo "== stdout"; cat stdout
                echo "== wait"; cat wait
                echo "== refused"; (echo bogus > ctl) 2>&1 || echo refused
                echo "== err"; cat err
                """);
        Map<String, String> n = sections(node.stdout());
        assertThat(n.get("stdout")).isEqualTo("hello\nhello\n");
        assertThat(n.get("wait").split("\n")).hasSize(2);
        assertThat(n.get("refused")).endsWith("refused\n");
        if (!version.equals("9p2000")) {
            // 9P2000 carries words only, and the kernel knows few of them: it says "Unknown error 526" to the rest.
            assertThat(n.get("refused")).as("the errno of the server's words").contains("Invalid argument");
        }
        assertThat(n.get("err")).contains("unknown control message \"bogus\"");

        LinuxGuest.Result ram = mounted(RAMFS, "/mnt/ram", version, """
                mkdir d-$$
                echo one > d-$$/f
                echo two >> d-$$/f
                mv d-$$/f d-$$/g
                echo "== g"; cat d-$$/g
                echo "== ls"; ls d-$$
                rm d-$$/g; rmdir d-$$
                echo "== gone"; ls
                """);
        Map<String, String> m = sections(ram.stdout());
        assertThat(m.get("g")).isEqualTo("one\ntwo\n");
        assertThat(m.get("ls")).isEqualTo("g\n");
        assertThat(m.get("gone")).doesNotContain("d-");
    }

    /** The kernel attaches again for each local user, by uid: their sessions are theirs, their tasks run as them. */
    @Test
    void eachGuestUserIsThemselvesAndAnMsizeOfOneMiBIsTaken() {
        Host.assumeRoot();
        int uid = Host.ensureUser("tfkern");
        String at = "/mnt/users";
        LinuxGuest.Result r = guest.run(Duration.ofSeconds(90), "set -e\n"
                + "grep -q '^tfkern:' /etc/passwd 2>/dev/null || echo 'tfkern:x:" + uid + ":" + uid + "::/:/bin/sh' >> /etc/passwd\n"
                + LinuxGuest.mountCommand(COORDINATOR, at, "9p2000.L", "uname=root,msize=1048576") + "\n"
                + "trap 'cd /; umount " + at + "' EXIT\n"
                + "echo \"== mounts\"; grep ' " + at + " ' /proc/mounts\n"
                + "s=$(su tfkern -c 'cat " + at + "/clone')\n"
                + "echo \"== owner\"; ls -ln " + at + " | awk -v s=$s '/^d/ && $NF == s { print $3 }'\n"
                + "su tfkern -c \"echo res 1 > " + at + "/$s/ctl && echo exec id -un > " + at + "/$s/ctl\"\n"
                + "echo \"== task\"; su tfkern -c \"cat " + at + "/$s/stdout\"\n");
        assertThat(r.exit()).as(r.stderr() + r.stdout()).isZero();
        Map<String, String> out = sections(r.stdout());
        assertThat(out.get("mounts")).contains("msize=1048576");
        assertThat(out.get("owner")).isEqualTo(uid + "\n");
        assertThat(out.get("task")).isEqualTo("tfkern");
    }

    /**
     * A running task's stdout, read by cat through a 9P2000.L mount, shows each line as it is printed; Ctrl-C
     * (SIGINT) ends the cat blocked in read, the kernel's Tflush answered at once.
     */
    @Test
    void catOfARunningTaskShowsItsOutputAsItComesAndCtrlCEndsIt() throws Exception {
        guest.run("mkdir -p /mnt/live && " + LinuxGuest.mountCommand(COORDINATOR, "/mnt/live", "9p2000.L",
                "uname=root").replace("mkdir -p /mnt/live && ", ""));
        try {
            LinuxGuest.Result setup = guest.run("""
                    set -e
                    cd /mnt/live
                    s=$(cat clone)
                    echo $s
                    cd $s
                    echo res 1 > ctl
                    echo "exec sh -c 'echo started; exec sleep 120'" > ctl
                    """);
            assertThat(setup.exit()).as(setup.stderr()).isZero();
            String s = setup.stdout().strip();
            long cat = guest.start("exec cat /mnt/live/" + s + "/0/stdout > /tmp/live.out");
            await().atMost(Duration.ofSeconds(20)).until(() -> guest.run("cat /tmp/live.out").stdout()
                    .equals("started\n"));
            assertThat(guest.alive(cat)).as("cat still waits for more").isTrue();

            guest.run("kill -INT " + cat);
            await().atMost(Duration.ofSeconds(20)).until(() -> !guest.alive(cat));
            // The mount serves on after the flush.
            assertThat(guest.run("cat /mnt/live/" + s + "/0/status").stdout()).contains(" Execute ");
            guest.run("echo kill > /mnt/live/" + s + "/ctl");
        } finally {
            guest.run("umount /mnt/live");
        }
    }
}
