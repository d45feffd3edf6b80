package org.taskfs.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as an administrator meets it: installed with dpkg on this machine, then its command, man
 * pages, completion and service units used as installed, and purged at the end. Needs root and dpkg (the build
 * makes no .deb without dpkg-deb, and says so); run by {@code mvn verify} after the package phase built it.
 */
class InstallIT {
    private static final Path TASKFS = Path.of("/usr/bin/taskfs");
    private static final Path UNITS = Path.of("/lib/systemd/system");
    private static boolean installed;

    /** What a finished command printed and returned. */
    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeAll
    static void install() throws Exception {
        assumeTrue(run("id", "-u").out().strip().equals("0"), "installing a package needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")) && Files.isExecutable(Path.of("/usr/bin/dpkg-deb")),
                "not a Debian system: the build made the archive only");
        assertThat(run("dpkg-query", "-W", "-f=${Status}", "taskfs").out())
                .as("a taskfs package is installed already, and this test would replace and purge it: "
                        + "dpkg --purge taskfs first")
                .doesNotContain("installed");
        List<String> dpkg = new ArrayList<>(List.of("dpkg", "-i"));
        // Minimal images (Docker's debian:*-slim) tell dpkg not to install man pages at all; an administrator
        // there re-includes them the same way, and the test still checks what man then shows.
        if (manPagesExcluded()) {
            dpkg.add("--path-include=/usr/share/man/man1/taskfs*");
        }
        dpkg.add(deb().toString());
        installed = true; // from here a failure may have left something: purge whatever it is
        Run r = run(dpkg.toArray(new String[0]));
        assertThat(r.code()).as("dpkg -i said:\n%s", r.all()).isZero();
    }

    @AfterAll
    static void purge() throws Exception {
        if (!installed) {
            return;
        }
        Run r = run("dpkg", "--purge", "taskfs");
        assertThat(r.code()).as("dpkg --purge said:\n%s", r.all()).isZero();
        assertThat(TASKFS).doesNotExist();
        assertThat(Path.of("/etc/taskfs")).doesNotExist();
        assertThat(UNITS.resolve("taskfs-node.service")).doesNotExist();
    }

    /** The one .deb the package phase made. */
    private static Path deb() throws IOException {
        Path dir = Path.of(System.getProperty("dist.dir", "target"));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("taskfs_.*_all\\.deb")).toList();
            assertThat(debs).as("the Debian package in %s", dir).hasSize(1);
            return debs.get(0);
        }
    }

    private static boolean manPagesExcluded() throws IOException {
        Path conf = Path.of("/etc/dpkg/dpkg.cfg.d");
        if (!Files.isDirectory(conf)) {
            return false;
        }
        try (Stream<Path> files = Files.list(conf)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.strip().matches("path-exclude[ =]/usr/share/man/.*")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void taskfsIsOnThePathAndPrintsTheBuildsVersion() throws Exception {
        assertThat(run("sh", "-c", "command -v taskfs").out().strip()).isEqualTo(TASKFS.toString());

        Run r = run("taskfs", "--version");

        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("taskfs " + System.getProperty("taskfs.version") + "\n").contains("Java ");
    }

    @Test
    void manShowsAPageForTaskfsAndForEachCommand() throws Exception {
        Run root = run("man", "-P", "cat", "taskfs");

        assertThat(root.code()).as(root.all()).isZero();
        assertThat(root.out()).contains("NAME", "SYNOPSIS", "COMMANDS", "taskfs-run(1)", "taskfs-node(1)");

        Run node = run("man", "-P", "cat", "taskfs-node");
        assertThat(node.code()).as(node.all()).isZero();
        // The options as typed: hyphen-minus, which pastes back into a shell.
        assertThat(node.out()).contains("taskfs node", "--listen=ADDR", "--slots=K", "--auth=METHOD");
    }

    @Test
    void bashCompletesSubcommandsAndTheirOptions() throws Exception {
        String script = "source /usr/share/bash-completion/completions/taskfs\n"
                + "complete -p taskfs\n"
                + "f=$(complete -p taskfs | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')\n"
                + "COMP_WORDS=(taskfs ru); COMP_CWORD=1; \"$f\"; echo \"sub: ${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(taskfs node --sl); COMP_CWORD=2; \"$f\"; echo \"option: ${COMPREPLY[*]}\"\n";

        Run r = run("bash", "-c", script);

        assertThat(r.out()).contains("complete ").contains(" taskfs\n").contains("sub: run\n")
                .contains("option: --slots\n");
    }

    @Test
    void systemdAcceptsBothUnits() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "no systemd-analyze here");
        Path node = UNITS.resolve("taskfs-node.service");
        Path serve = UNITS.resolve("taskfs-serve.service");

        Run r = run("systemd-analyze", "verify", node.toString(), serve.toString());

        // verify also checks that ExecStart's program exists and is executable.
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.all()).doesNotContain("taskfs-");
    }

    @Test
    void theUnitsCommandsServeWithTheirConfigFiles(@TempDir Path dir) throws Exception {
        assertThat(run("dpkg-query", "-W", "-f=${Conffiles}", "taskfs").out())
                .contains("/etc/taskfs/node.conf", "/etc/taskfs/serve.conf");
        // The node unit's command with a config of the test's: comments and all, it is what the node runs with.
        Path conf = dir.resolve("node.conf");
        Files.writeString(conf, "# a node for the test\n--listen tcp!127.0.0.1!0   # any free port\n\n--slots 3\n");
        List<String> nodeCmd = execStart("taskfs-node.service", "/etc/taskfs/node.conf", conf.toString());
        try (Daemon node = Daemon.start(nodeCmd)) {
            String nodeAddr = node.await(Pattern.compile("serving on (\\S+) with 3 slots")).group(1);
            // The serve unit's command with the config as shipped, told where to listen and which node to mount.
            List<String> serveCmd = execStart("taskfs-serve.service", "/etc/taskfs/serve.conf",
                    "/etc/taskfs/serve.conf");
            serveCmd.addAll(List.of("--listen", "tcp!127.0.0.1!0", "--node", nodeAddr));
            try (Daemon serve = Daemon.start(serveCmd)) {
                String addr = serve.await(Pattern.compile("serving on (\\S+) with 1 members")).group(1);

                Run r = run("taskfs", "run", "-a", addr, "-n", "3", "--", "echo", "from the units");

                assertThat(r.code()).as(r.all()).isZero();
                assertThat(r.out()).isEqualTo("from the units\n".repeat(3));
            }
        }
    }

    @Test
    void runWorksAgainstUpStartedFromTheInstalledCommand() throws Exception {
        try (Daemon up = Daemon.start(List.of(TASKFS.toString(), "up", "--nodes", "2", "--listen",
                "tcp!127.0.0.1!0", "--node-port", "0"))) {
            String addr = up.await(Pattern.compile("coordinator on (\\S+) with 2 nodes")).group(1);

            Run r = run("taskfs", "run", "-a", addr, "-n", "2", "--", "hostname");

            String host = run("hostname").out();
            assertThat(r.code()).as(r.all()).isZero();
            assertThat(r.out()).isEqualTo(host + host);
        }
    }

    /** The installed unit's ExecStart, split into words, its config file {@code conf} replaced by {@code with}. */
    private static List<String> execStart(String unit, String conf, String with) throws IOException {
        String line = Files.readAllLines(UNITS.resolve(unit)).stream().filter(l -> l.startsWith("ExecStart="))
                .findFirst().orElseThrow(() -> new AssertionError(unit + " has no ExecStart"));
        List<String> words = new ArrayList<>(Arrays.asList(line.substring("ExecStart=".length()).strip().split("\\s+")));
        assertThat(words).contains("@" + conf);
        words.replaceAll(w -> w.equals("@" + conf) ? "@" + with : w);
        return words;
    }

    /** {@code cmd} run to its end, as a user's shell would, with the system's PATH. */
    private static Run run(String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("install-it", ".out");
        Path err = Files.createTempFile("install-it", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            clean(pb);
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 120 s");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The environment of a login on this machine, not of the build: the system's PATH, no taskfs settings. */
    private static void clean(ProcessBuilder pb) {
        pb.environment().keySet().removeIf(k -> k.startsWith("TASKFS_") || k.startsWith("MAN"));
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LC_ALL", "C.UTF-8");
    }

    /** A server started from the installed command, its output gathered as it comes, stopped by SIGTERM. */
    private static final class Daemon implements AutoCloseable {
        private final Process process;
        private final StringBuffer output = new StringBuffer();

        private Daemon(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        output.append(line).append('\n');
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            }, "install-it-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Daemon start(List<String> cmd) {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            clean(pb);
            try {
                return new Daemon(pb.start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The first match of {@code p} in what it printed, once it has (JVM start-up on a busy machine). */
        Matcher await(Pattern p) {
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    if (p.matcher(output).find()) {
                        return true;
                    }
                    if (!process.isAlive()) {
                        throw new AssertionError("no " + p + " before it exited; it said:\n" + output);
                    }
                    return false;
                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("no " + p + " within 60 s; it said:\n" + output, e);
            }
            Matcher m = p.matcher(output);
            m.find();
            return m;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
