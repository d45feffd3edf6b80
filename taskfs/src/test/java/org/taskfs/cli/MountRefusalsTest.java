package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.LocalCluster;
import org.taskfs.fuse.FuseMount;
import org.taskfs.styx.dial.DialAddress;

/**
 * Refused requests through a FUSE mount of a coordinator: the errno of each kind, a member's refusal relayed with
 * its class, the server's words in the session's {@code err}, and the mount's log, which {@code taskfs mount}
 * (foreground and --daemon) and {@code taskfs up --mount} name when the mount is ready. Real mounts, processes
 * and shells; fails (does not skip) without /dev/fuse.
 */
class MountRefusalsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    LocalCluster cluster;
    Path scratch;

    @BeforeEach
    void startACoordinatorWithTwoNodes() throws IOException {
        assertThat(Path.of("/dev/fuse")).as("FUSE is needed: run where /dev/fuse exists (CI runs as root with it)")
                .exists();
        scratch = Files.createTempDirectory("taskfs-refusals-");
        opened.push(() -> {
            try (Stream<Path> all = Files.walk(scratch)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        });
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 2, 0, 2);
        opened.push(cluster);
    }

    @AfterEach
    void closeAll() throws Exception {
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private Path emptyDir(String name) throws IOException {
        return Files.createDirectory(scratch.resolve(name));
    }

    /** Unmounts {@code dir} after the test if something is still mounted there. */
    private void unmountLater(Path dir) {
        opened.push(() -> {
            if (MountCommandTest.mounted(dir)) {
                FuseMount.unmount(dir);
            }
        });
    }

    record Run(int exit, String output) {}

    /** bash, as a user types it: its messages name the errno (dash's echo says only "I/O error"). */
    static Run bash(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bash -c " + script + " did not finish");
        }
        return new Run(p.exitValue(), out);
    }

    static String fails(Path cwd, String script) throws Exception {
        Run r = bash(cwd, script);
        assertThat(r.exit()).as("%s should fail: %s", script, r.output()).isNotZero();
        return r.output();
    }

    static String newSession(Path mnt) throws Exception {
        String s = Files.readString(mnt.resolve("clone"));
        assertThat(s).matches("\\d+");
        return s;
    }

    @Test
    void throughACoordinatorEachRefusalKeepsItsClassAndItsWordsReachErrAndTheLog() throws Exception {
        Path log = scratch.resolve("mount.log");
        FuseMount m = FuseMount.mount(cluster.address(), emptyDir("mnt"), FuseMount.Options.defaults().withLog(log));
        opened.push(m);
        String s = newSession(m.dir());
        Path at = m.dir().resolve(s);

        assertThat(fails(at, "echo exce ls > ctl")).contains("Invalid argument");
        assertThat(fails(at, "echo res 1000 > ctl")).contains("Resource temporarily unavailable");
        assertThat(bash(at, "echo res 2 > ctl").exit()).isZero();
        // Refused by the node that runs task 0, relayed by the coordinator in the node's words.
        assertThat(fails(at, "echo exec /nonexistent/x > 0/ctl")).contains("No such file or directory");
        assertThat(bash(at, "echo exec sleep 1000 > 1/ctl").exit()).isZero();
        assertThat(fails(at, "echo exec true > ctl")).contains("Device or resource busy");
        assertThat(fails(at, "echo hi > status")).contains("Permission denied");

        List<String> err = Files.readAllLines(at.resolve("err"));
        assertThat(err).hasSize(5);
        assertThat(err.get(0)).matches(TIME + " /" + s + "/ctl: unknown control message \"exce ls\"");
        assertThat(err.get(1)).matches(TIME + " /" + s + "/ctl: res: not enough capacity: asked 1000, 4 slots in the pool .*");
        assertThat(err.get(2)).matches(TIME + " /" + s + "/0/ctl: task 0: exec failed: /nonexistent/x: "
                + "No such file or directory");
        assertThat(err.get(3)).matches(TIME + " /" + s + "/ctl: device or object already in use");
        assertThat(err.get(4)).matches(TIME + " /" + s + "/status: permission denied.*");
        assertThat(Files.readAllLines(at.resolve("0/err"))).singleElement().isEqualTo(err.get(2));

        String logged = Files.readString(log);
        assertThat(logged).contains("write /" + s + "/ctl: unknown control message \"exce ls\"",
                "write /" + s + "/ctl: res: not enough capacity: asked 1000",
                "write /" + s + "/0/ctl: task 0: exec failed: /nonexistent/x: No such file or directory",
                "write /" + s + "/ctl: device or object already in use", "open /" + s + "/status: permission denied");
    }

    @Test
    void mountInTheForegroundNamesItsLogWhenReadyAndTheLogHasWhatWasRefused() throws Exception {
        Path runtime = emptyDir("runtime");
        Path dir = emptyDir("mnt");
        unmountLater(dir);
        TaskfsProcess mount = TaskfsProcess.start(List.of(), System.getProperty("java.class.path"),
                Map.of("XDG_RUNTIME_DIR", runtime.toString()), "mount", cluster.address().toString(), dir.toString());
        opened.push(mount);
        Matcher ready = mount.await(Pattern.compile("taskfs mount: ready: \\S+ on (\\S+) \\(log (\\S+)\\)\n"), WAIT);
        Path log = Path.of(ready.group(2));
        assertThat(log).as("the default: in $XDG_RUNTIME_DIR, named after the process")
                .isEqualTo(runtime.resolve("taskfs-mount-" + mount.pid() + ".log"));

        String s = newSession(dir);
        assertThat(fails(dir.resolve(s), "echo input bogus > ctl")).contains("Invalid argument");
        assertThat(Files.readString(log)).containsPattern(TIME + " write /" + s
                + "/ctl: input: unknown mode \"bogus\"; use one of bcast, rr, hash\n");

        assertThat(Main.commandLine().execute("umount", dir.toString())).isZero();
        assertThat(mount.waitFor(WAIT)).isZero();
    }

    @Test
    void mountDaemonNamesTheLogItsBackgroundProcessWritesWhatWasRefusedTo() throws Exception {
        Path runtime = emptyDir("runtime");
        Path dir = emptyDir("mnt");
        unmountLater(dir);
        TaskfsProcess launcher = TaskfsProcess.start(List.of(), System.getProperty("java.class.path"),
                Map.of("XDG_RUNTIME_DIR", runtime.toString()), "mount", "--daemon", cluster.address().toString(),
                dir.toString());
        opened.push(launcher);
        assertThat(launcher.waitFor(WAIT)).as(launcher.output()).isZero();
        Matcher ready = Pattern.compile("taskfs mount: ready: \\S+ on \\S+ \\(process (\\d+), log (\\S+)\\)\n")
                .matcher(launcher.output());
        assertThat(ready.find()).as(launcher.output()).isTrue();
        ProcessHandle background = ProcessHandle.of(Long.parseLong(ready.group(1))).orElseThrow();
        opened.push(background::destroyForcibly);
        Path log = Path.of(ready.group(2));
        assertThat(log).isEqualTo(runtime.resolve("taskfs-mount-" + launcher.pid() + ".log"));

        String s = newSession(dir);
        assertThat(fails(dir.resolve(s), "echo exce ls > ctl")).contains("Invalid argument");
        assertThat(Files.readString(log)).contains("write /" + s + "/ctl: unknown control message \"exce ls\"");

        assertThat(Main.commandLine().execute("umount", dir.toString())).isZero();
        assertThat(background.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS).isAlive()).isFalse();
    }

    @Test
    void upWithMountNamesTheMountsLogAndTheLogHasWhatWasRefused() throws Exception {
        Path runtime = emptyDir("runtime");
        Path dir = emptyDir("mnt");
        unmountLater(dir);
        TaskfsProcess up = TaskfsProcess.start(List.of(), System.getProperty("java.class.path"),
                Map.of("XDG_RUNTIME_DIR", runtime.toString()), "up", "--listen", "tcp!127.0.0.1!0", "--node-port",
                "0", "--nodes", "1", "--mount", dir.toString());
        opened.push(up);
        Matcher mounted = up.await(Pattern.compile("mounted on \\S+ \\(log (\\S+)\\):\n"), WAIT);
        Path log = Path.of(mounted.group(1));
        assertThat(log).isEqualTo(runtime.resolve("taskfs-mount-" + up.pid() + ".log"));

        String s = newSession(dir);
        assertThat(fails(dir.resolve(s), "echo res abc > ctl")).contains("Invalid argument");
        assertThat(Files.readString(log)).contains("write /" + s + "/ctl: res: bad count \"abc\"");
    }
}
