package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.testing.Ports;

/**
 * {@code taskfs mount} and {@code taskfs cat} across a server killed with SIGKILL and started again: real server
 * processes ({@link RestartableServer}, whose files live on disk, so a new process serves the same bytes), a real
 * FUSE mount in a {@code taskfs mount} process, real {@code cat}, {@code stat} and {@code echo} on it.
 */
class ReconnectMountTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern READY = Pattern.compile(Pattern.quote(MountCommand.READY));

    Path state;
    Path dir;
    Path log;
    final List<AutoCloseable> cleanups = new ArrayList<>();

    @BeforeEach
    void directories() throws IOException {
        assertThat(Path.of("/dev/fuse")).as("FUSE is needed: run where /dev/fuse exists (CI runs as root with it)")
                .exists();
        state = Files.createTempDirectory("taskfs-redial-state-");
        dir = Files.createTempDirectory("taskfs-redial-mnt-");
        log = state.resolve("mount.log");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanups.size() - 1; i >= 0; i--) {
            cleanups.get(i).close();
        }
        if (MountCommandTest.mounted(dir)) {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(dir);
        try (Stream<Path> all = Files.walk(state)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------ servers, mounts, processes

    /**
     * A server process on {@code port} serving {@link #state}; 0: a port below the ephemeral range, where no
     * redial of the port while it is down can take it as its own local port.
     */
    record Server(Process process, int port) {
        String address() {
            return "tcp!127.0.0.1!" + port;
        }

        /** SIGKILL, and waited for: the port is free, every connection gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }

    Server serve(String name, int port, String... key) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), RestartableServer.class.getName(), state.toString(), name,
                Integer.toString(port == 0 ? Ports.unusedBelowEphemeralRange() : port)));
        cmd.addAll(List.of(key));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        cleanups.add(() -> {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the server says where it listens").startsWith("listening tcp!127.0.0.1!");
        return new Server(p, Integer.parseInt(line.substring(line.lastIndexOf('!') + 1)));
    }

    /** {@code taskfs mount ARGS… ADDR DIR}, returned once it is ready. */
    TaskfsProcess mount(String addr, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mount", "--log", log.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of(addr, dir.toString()));
        TaskfsProcess m = TaskfsProcess.start(cmd.toArray(new String[0]));
        cleanups.add(m);
        m.await(READY, WAIT);
        return m;
    }

    /** A process, its standard output and error going to files in {@link #state}. */
    record Run(Process process, Path out, Path err) {
        byte[] output() throws IOException {
            return Files.readAllBytes(out);
        }

        String errors() throws IOException {
            return Files.readString(err);
        }

        /** Waits for the exit and returns its status. */
        int exit() throws InterruptedException {
            assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("%s ended", process.info().command())
                    .isTrue();
            return process.exitValue();
        }
    }

    Run start(String... cmd) throws IOException {
        Path out = Files.createTempFile(state, "out-", "");
        Path err = Files.createTempFile(state, "err-", "");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        cleanups.add(() -> {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
        return new Run(p, out, err);
    }

    /** Lines {@code from..to-1} of the stream: every byte says where it is, so a lost or doubled one shows. */
    static String lines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(String.format("line %06d of the stream%n", i));
        }
        return b.toString();
    }

    void append(String text) throws IOException {
        Files.writeString(state.resolve("stream"), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void endStream() throws IOException {
        Files.createFile(state.resolve("stream.end"));
    }

    /** How many times the mount's log says it reconnected. */
    long reconnections() throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        return Files.readAllLines(log).stream().filter(l -> l.contains(": reconnected to ")).count();
    }

    /** True while {@code p} waits in stat(2) (statx on x86_64, 291 on aarch64: newfstatat is 79 there). */
    static boolean inStat(Process p) {
        try {
            String sc = Files.readString(Path.of("/proc", Long.toString(p.pid()), "syscall"));
            return sc.startsWith("332 ") || sc.startsWith("262 ") || sc.startsWith("291 ") || sc.startsWith("79 ");
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void aCatOfAGrowingFileGetsEveryByteOnceAcrossASigkillAndAStatMeanwhileWaits() throws Exception {
        Server server = serve("a", 0);
        TaskfsProcess m = mount(server.address(), "--reconnect-timeout", "30");
        append(lines(0, 1000));
        Run cat = start("cat", dir.resolve("stream").toString());
        await().atMost(WAIT).until(() -> Files.size(cat.out()) == lines(0, 1000).length());

        server.kill(); // the cat is waiting for more in a read that the kill breaks
        append(lines(1000, 2000));
        Run stat = start("stat", "-c", "%n %s", dir.resolve("name").toString());
        await().atMost(WAIT).until(() -> inStat(stat.process()));
        assertThat(cat.process().isAlive()).isTrue();

        Server again = serve("a", server.port());
        assertThat(stat.exit()).as(stat.errors()).isZero();
        assertThat(new String(stat.output(), StandardCharsets.UTF_8)).isEqualTo(dir.resolve("name") + " 0\n");
        append(lines(2000, 3000));
        endStream();
        assertThat(cat.exit()).as(cat.errors()).isZero();
        assertThat(new String(cat.output(), StandardCharsets.UTF_8)).isEqualTo(lines(0, 3000));
        assertThat(Files.readString(log)).contains("connection to " + server.address() + " lost; redialing")
                .contains("reconnected to " + again.address());
        assertThat(m.output()).doesNotContain("Exception");
    }

    @Test
    void aNodeDaemonKilledAndStartedAgainOnItsPortIsMountedAgainAndAnLsMeanwhileWaits() throws Exception {
        int port = Ports.unusedBelowEphemeralRange();
        String at = "tcp!127.0.0.1!" + port;
        Pattern serving = Pattern.compile("taskfs node: serving on ");
        // Its temporary directories in ours: a node killed with SIGKILL leaves them behind.
        Path tmp = Files.createDirectory(state.resolve("tmp"));
        java.util.Map<String, String> env = java.util.Map.of("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp);
        String cp = System.getProperty("java.class.path");
        TaskfsProcess node = TaskfsProcess.start(List.of(), cp, env, "node", "--listen", at, "--slots", "1");
        cleanups.add(node);
        node.await(serving, WAIT);
        mount(at, "--reconnect-timeout", "30");
        String arch = Files.readString(dir.resolve("arch"));
        assertThat(arch).startsWith("Linux ");

        ProcessHandle.of(node.pid()).orElseThrow().destroyForcibly(); // SIGKILL
        node.waitFor(WAIT);
        Run ls = start("ls", dir.toString());
        await().atMost(WAIT).until(() -> inStat(ls.process()));

        TaskfsProcess again = TaskfsProcess.start(List.of(), cp, env, "node", "--listen", at, "--slots", "1");
        cleanups.add(again);
        again.await(serving, WAIT);
        assertThat(ls.exit()).as(ls.errors()).isZero();
        assertThat(new String(ls.output(), StandardCharsets.UTF_8).lines()).contains("arch", "clone", "ctl");
        assertThat(Files.readString(dir.resolve("arch"))).isEqualTo(arch);
    }

    @Test
    void pastTheReconnectTimeoutOperationsFailWithEioAndTheSameMountWorksOnceTheServerIsBack() throws Exception {
        Server server = serve("a", 0);
        mount(server.address(), "--reconnect-timeout", "1");
        assertThat(Files.readString(dir.resolve("name"))).isEqualTo("a\n");

        server.kill();
        Run down = start("sh", "-c", "cat " + dir.resolve("name") + "; ls " + dir);
        assertThat(down.exit()).isNotZero();
        assertThat(down.errors()).contains("cat: " + dir.resolve("name") + ": Input/output error")
                .contains("ls: cannot access '" + dir + "': Input/output error");

        serve("a", server.port());
        await().atMost(WAIT).until(() -> reconnections() == 1);
        Run up = start("sh", "-c", "cat " + dir.resolve("name") + "; ls " + dir);
        assertThat(up.exit()).as(up.errors()).isZero();
        assertThat(new String(up.output(), StandardCharsets.UTF_8)).isEqualTo("a\nclone\nctl\nname\nstream\n");
    }

    @Test
    void ctrlCEndsAReadWaitingForTheConnection() throws Exception {
        Server server = serve("a", 0);
        mount(server.address(), "--reconnect-timeout", "600"); // far longer than WAIT: only the signal ends it
        append(lines(0, 10));
        Run cat = start(DefaultSigint.of("cat", dir.resolve("stream").toString()));
        await().atMost(WAIT).until(() -> Files.size(cat.out()) == lines(0, 10).length());

        server.kill();
        await().atMost(WAIT).until(() -> Files.exists(log) && Files.readString(log).contains(" lost; redialing"));
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(cat.process().pid())).start().waitFor()).isZero();
        assertThat(cat.exit()).isEqualTo(128 + 2);
        assertThat(new String(cat.output(), StandardCharsets.UTF_8)).isEqualTo(lines(0, 10));
    }

    @Test
    void aCtlWriteInFlightWhenTheConnectionIsLostFailsWithEioAndIsNotRepeated() throws Exception {
        Server server = serve("a", 0);
        mount(server.address(), "--reconnect-timeout", "30");
        Path ctlLog = state.resolve("ctl.log");
        Run hang = start("bash", "-c", "echo hang > " + dir.resolve("ctl"));
        await().atMost(WAIT).until(() -> Files.exists(ctlLog) && Files.readString(ctlLog).equals("hang\n"));

        server.kill();
        assertThat(hang.exit()).isNotZero();
        assertThat(hang.errors()).contains("write error: Input/output error");

        serve("a", server.port());
        await().atMost(WAIT).until(() -> reconnections() == 1);
        Run ok = start("bash", "-c", "echo ok > " + dir.resolve("ctl"));
        assertThat(ok.exit()).as(ok.errors()).isZero();
        assertThat(Files.readString(ctlLog)).as("the write in flight was not sent again").isEqualTo("hang\nok\n");
        assertThat(Files.readString(log)).contains("write /ctl: ").contains("not repeated");
    }

    @Test
    void theReattachAuthenticatesAgainAsTheFirstAttachDid() throws Exception {
        Path key = state.resolve("cluster.key");
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        Files.write(key, k);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Server server = serve("a", 0, key.toString());
        mount(server.address(), "--auth", "key=" + key, "--reconnect-timeout", "30");
        assertThat(Files.readString(dir.resolve("name"))).isEqualTo("a\n");

        server.kill();
        serve("a", server.port(), key.toString());
        await().atMost(WAIT).until(() -> reconnections() == 1);
        assertThat(Files.readString(dir.resolve("name"))).isEqualTo("a\n");
        String user = System.getProperty("user.name");
        assertThat(Files.readAllLines(state.resolve("attach.log"))).as("both attaches proved the key")
                .containsExactly(user + " key", user + " key");
    }

    @Test
    void aFileThatOpenedAsAnotherIsNotOpenedAgainByItsPath() throws Exception {
        Server server = serve("a", 0);
        mount(server.address(), "--reconnect-timeout", "30");
        Process p = new ProcessBuilder("bash", "-c", "exec 3< " + dir.resolve("clone") + "; head -c 8 <&3; read go; "
                + "cat <&3").redirectErrorStream(true).start();
        cleanups.add(() -> {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
        assertThat(new String(p.getInputStream().readNBytes(8), StandardCharsets.UTF_8)).isEqualTo("session\n");

        server.kill();
        serve("a", server.port());
        await().atMost(WAIT).until(() -> reconnections() == 1);
        p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("cat: -: Input/output error");
        assertThat(Files.readAllLines(state.resolve("clone.log"))).as("clone opened once: no second session")
                .hasSize(1);
    }

    @Test
    void anOpenFileWhosePathIsGoneAfterTheRestartFailsItsNextReadWithEnoent() throws Exception {
        Files.writeString(state.resolve("gone"), "here for now\n");
        Server server = serve("a", 0);
        mount(server.address(), "--reconnect-timeout", "30");
        Process p = new ProcessBuilder("bash", "-c", "exec 3< " + dir.resolve("gone") + "; head -c 5 <&3; read go; "
                + "cat <&3").redirectErrorStream(true).start();
        cleanups.add(() -> {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
        assertThat(new String(p.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("here ");

        server.kill();
        Files.delete(state.resolve("gone"));
        serve("a", server.port());
        await().atMost(WAIT).until(() -> reconnections() == 1);
        p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("cat: -: No such file or directory\n");
    }

    @Test
    void aListOfAddressesMountsTheFirstThatAnswersAndFailsOverToTheNext() throws Exception {
        int down = Ports.unusedBelowEphemeralRange();
        Server b = serve("b", 0);
        mount("tcp!127.0.0.1!" + down + "," + b.address(), "--reconnect-timeout", "30");
        assertThat(Files.readString(dir.resolve("name"))).as("the first is down: the second is mounted")
                .isEqualTo("b\n");

        // Now the first is up, the second goes while a cat follows the stream both serve.
        Server a = serve("a", down);
        append(lines(0, 500));
        Run cat = start("cat", dir.resolve("stream").toString());
        await().atMost(WAIT).until(() -> Files.size(cat.out()) == lines(0, 500).length());
        b.kill();
        append(lines(500, 1000));
        endStream();
        assertThat(cat.exit()).as(cat.errors()).isZero();
        assertThat(new String(cat.output(), StandardCharsets.UTF_8)).isEqualTo(lines(0, 1000));
        assertThat(Files.readString(dir.resolve("name"))).as("moved to the other").isEqualTo("a\n");
        assertThat(Files.readString(log)).contains("reconnected to " + a.address());
    }

    @Test
    void theClisCatOfAStreamGetsEveryByteOnceAcrossARestart() throws Exception {
        Server server = serve("a", 0);
        append(lines(0, 100));
        TaskfsProcess cat = TaskfsProcess.start("cat", "-a", server.address(), "--reconnect-timeout", "30", "stream");
        cleanups.add(cat);
        cat.await(Pattern.compile("line 000099 "), WAIT);

        server.kill();
        append(lines(100, 200));
        serve("a", server.port());
        append(lines(200, 300));
        endStream();
        assertThat(cat.waitFor(WAIT)).as(cat.output()).isZero();
        assertThat(cat.output()).isEqualTo(lines(0, 300));
    }

    @Test
    void aMountThatReconnectedTenTimesHoldsOneConnection() throws Exception {
        Server server = serve("a", 0);
        TaskfsProcess m = mount(server.address(), "--reconnect-timeout", "30");
        long socketsAtFirst = 0;
        long threadsAtFirst = 0;
        long connectionsAtFirst = 0;
        for (int i = 1; i <= 10; i++) {
            server.kill();
            server = serve("a", server.port());
            int expected = i;
            await().atMost(WAIT).until(() -> reconnections() == expected);
            assertThat(Files.readString(dir.resolve("name"))).isEqualTo("a\n");
            if (i == 1) {
                socketsAtFirst = sockets(m.pid());
                threadsAtFirst = clientThreads(m.pid());
                connectionsAtFirst = connectionsTo(m.pid(), server.port());
            }
        }
        assertThat(connectionsAtFirst).as("one connection to the server").isEqualTo(1);
        assertThat(connectionsTo(m.pid(), server.port())).as("connections after ten reconnections").isEqualTo(1);
        assertThat(sockets(m.pid())).as("sockets after ten reconnections").isEqualTo(socketsAtFirst);
        assertThat(clientThreads(m.pid())).as("the client's event loop threads").isEqualTo(threadsAtFirst)
                .isLessThanOrEqualTo(1);
    }

    /** Sockets the process holds open (of every kind: libfuse keeps one of its own). */
    static long sockets(long pid) throws IOException {
        return socketInodes(pid).size();
    }

    private static java.util.Set<String> socketInodes(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed meanwhile
                }
            }).filter(l -> l.startsWith("socket:[")).map(l -> l.substring(8, l.length() - 1))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The process's TCP connections to {@code port} (by /proc/PID/net/tcp: remote port, socket inode). */
    static long connectionsTo(long pid, int port) throws IOException {
        java.util.Set<String> mine = socketInodes(pid);
        String remote = String.format(":%04X", port);
        long n = 0;
        for (String table : List.of("tcp", "tcp6")) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[2].endsWith(remote) && mine.contains(f[9])) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Threads of the process whose name says they are a 9P client's (Netty's, named styx-…). */
    static long clientThreads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).startsWith("styx-");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}
