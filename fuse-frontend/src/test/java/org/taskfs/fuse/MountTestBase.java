package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.FileServer;
import org.taskfs.styx.server.ServerOptions;
import org.taskfs.styx.server.StyxServer;

/**
 * Real FUSE mounts: servers on loopback, mounts on fresh directories, and processes run against
 * them. Everything a test opens is closed after it, mounts first and even when the test failed.
 *
 * <p>Without /dev/fuse these tests fail rather than skip: CI has FUSE, and a skip would hide a
 * broken front end behind a green build.
 */
abstract class MountTestBase {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void fuseIsThere() {
        assertThat(Path.of("/dev/fuse"))
                .as("these tests mount for real and need /dev/fuse (and libfuse2); run them where FUSE is "
                        + "available, e.g. as root in CI, or in a container started with --device /dev/fuse "
                        + "--cap-add SYS_ADMIN")
                .exists();
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        Awaitility.setDefaultTimeout(WAIT);
    }

    private final Set<StyxServer> stopped = ConcurrentHashMap.newKeySet();

    StyxServer serve(FileServer fs) {
        StyxServer s = StyxServer.listen(DialAddress.tcp("127.0.0.1", 0), fs, ServerOptions.DEFAULTS);
        opened.push(() -> stop(s));
        return s;
    }

    /** Stops a server during a test (StyxServer.close must not be called twice: the second never returns). */
    void stop(StyxServer s) {
        if (stopped.add(s)) {
            s.close();
        }
    }

    /** Registers anything to close after the test, before what was registered earlier. */
    <T extends AutoCloseable> T closeLater(T c) {
        opened.push(c);
        return c;
    }

    Path emptyDir() throws IOException {
        Path d = Files.createTempDirectory("taskfs-fuse-test-");
        opened.push(() -> Files.deleteIfExists(d));
        return d;
    }

    /** A directory for a server's own files, removed with its contents after the test. */
    Path scratchDir() throws IOException {
        Path d = Files.createTempDirectory("taskfs-fuse-scratch-");
        opened.push(() -> {
            try (Stream<Path> all = Files.walk(d)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        });
        return d;
    }

    FuseMount mount(DialAddress server) throws IOException {
        return mount(server, FuseMount.Options.defaults());
    }

    FuseMount mount(DialAddress server, FuseMount.Options options) throws IOException {
        return mount(server, emptyDir(), options);
    }

    FuseMount mount(DialAddress server, Path dir, FuseMount.Options options) throws IOException {
        FuseMount m = FuseMount.mount(server, dir, options);
        opened.push(m);
        return m;
    }

    /** Starts {@code sh -c script} in {@code cwd}; killed after the test if still running. */
    Process start(Path cwd, String script) throws IOException {
        return start(cwd, "sh", script);
    }

    private Process start(Path cwd, String shell, String script) throws IOException {
        Process p = new ProcessBuilder(shell, "-c", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    record Run(int exit, String output) {}

    /** Runs {@code sh -c script} in {@code cwd} to its end (within WAIT); stdout and stderr together. */
    Run sh(Path cwd, String script) throws Exception {
        return run(cwd, "sh", script);
    }

    /** The same with bash, whose messages name the errno a write failed with (dash's echo says "I/O error"). */
    Run bash(Path cwd, String script) throws Exception {
        return run(cwd, "bash", script);
    }

    private Run run(Path cwd, String shell, String script) throws Exception {
        Process p = start(cwd, shell, script);
        p.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("sh -c %s finished", script).isTrue();
        return new Run(p.exitValue(), new String(out.get(WAIT.toSeconds(), TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    /**
     * Sends SIGINT (or SIGTERM if the process ignores SIGINT, as children of a shell's background
     * job do): both are fatal signals, which is what makes the kernel interrupt the FUSE request.
     */
    static int signal(Process p, String name) throws Exception {
        String ignored = Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).strip();
        boolean intIgnored = (Long.parseUnsignedLong(ignored, 16) & (1L << 1)) != 0;
        String sig = name.equals("INT") && intIgnored ? "TERM" : name;
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start();
        assertThat(kill.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
        return sig.equals("INT") ? 2 : 15;
    }

    /**
     * True while {@code p} sits in read(2) on file descriptor 3: the first file a {@code cat} opens,
     * so it is blocked on the mount. (The syscall number of read is 0 on x86_64, 63 on aarch64.)
     */
    static boolean blockedReadingFd3(Process p) {
        try {
            String sc = Files.readString(Path.of("/proc", Long.toString(p.pid()), "syscall"));
            return sc.startsWith("0 0x3 ") || sc.startsWith("63 0x3 ");
        } catch (IOException e) {
            return false;
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        Exception first = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
