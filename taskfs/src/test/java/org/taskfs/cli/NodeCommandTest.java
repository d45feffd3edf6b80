package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/** {@code taskfs node} as an operator runs it: a separate JVM, stopped with SIGTERM. */
class NodeCommandTest {

    private static final Pattern SERVING = Pattern.compile("serving on (\\S+) with (\\d+) slots");

    @TempDir
    Path scratch;

    private Process node;

    @AfterEach
    void stop() throws Exception {
        if (node != null && node.isAlive()) {
            node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesANonLoopbackAddressWithoutInsecureAndSaysWhy() {
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("node", "--listen", "tcp!0.0.0.0!0");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString())
                .startsWith("taskfs: refusing to listen on tcp!0.0.0.0!0")
                .contains("authentication")
                .contains("--insecure");
    }

    /** The exit code and stderr of {@code taskfs ARGS} run in this JVM. */
    private static String[] runHere(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute(args);
        return new String[] {Integer.toString(code), err.toString()};
    }

    @Test
    void refusesASlotCountBelowOne() {
        for (String k : List.of("-1", "0")) {
            String[] r = runHere("node", "--listen", "tcp!127.0.0.1!0", "--slots", k);
            assertThat(r[0]).as("exit of --slots %s", k).isEqualTo("2");
            assertThat(r[1]).startsWith("--slots: at least 1 slot is needed, not " + k);
        }
    }

    @Test
    void aNameIsForJoiningAndMustBeOneAMemberCanHave() {
        String[] alone = runHere("node", "--listen", "tcp!127.0.0.1!0", "--name", "n1");
        assertThat(alone[0]).isEqualTo("2");
        assertThat(alone[1]).startsWith("--name: the name is the one this node joins a coordinator under; give"
                + " --join ADDR too");
        String[] odd = runHere("node", "--listen", "tcp!127.0.0.1!0", "--join", "tcp!127.0.0.1!1", "--name", "a/b");
        assertThat(odd[0]).isEqualTo("2");
        assertThat(odd[1]).startsWith("--name a/b: a member's name is letters, digits, '.', '_' and '-'");
    }

    @Test
    void refusesAnOutputLimitThatIsNoSize() {
        String[] r = runHere("node", "--listen", "tcp!127.0.0.1!0", "--output-limit", "10X");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("'10X' is not a size");
    }

    @Test
    void sizesTakeBinarySuffixes() {
        assertThat(ByteCount.parse("1048576")).isEqualTo(1L << 20);
        assertThat(ByteCount.parse("10M")).isEqualTo(10L << 20);
        assertThat(ByteCount.parse("1G")).isEqualTo(1L << 30);
        assertThat(ByteCount.parse("512k")).isEqualTo(512L << 10);
        assertThat(ByteCount.parse("2MiB")).isEqualTo(2L << 20);
        assertThat(ByteCount.parse("3MB")).isEqualTo(3L << 20);
        assertThat(ByteCount.parse("0")).isZero();
    }

    @Test
    void sigtermStopsTheNodeAndKillsEveryTasksProcesses() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The test classpath holds the CLI and everything it needs, so no shaded jar has to be built first.
        node = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "node", "--listen", "tcp!127.0.0.1!0", "--slots", "3", "--scratch", scratch.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<String> serving = new CompletableFuture<>();
        StringBuilder stderr = new StringBuilder();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                    if (line.contains("serving on")) {
                        serving.complete(line);
                    }
                }
            } catch (IOException e) {
                serving.completeExceptionally(e);
            }
            serving.completeExceptionally(new AssertionError("taskfs node ended before serving: " + stderr));
        }, "node-stderr");
        drain.setDaemon(true);
        drain.start();

        Matcher m = SERVING.matcher(serving.get(60, TimeUnit.SECONDS));
        assertThat(m.find()).isTrue();
        assertThat(m.group(2)).isEqualTo("3");
        DialAddress at = DialAddress.parse(m.group(1), 0);

        List<Integer> groups = new ArrayList<>();
        try (StyxClient c = StyxClient.connect(at, ClientOptions.defaults()).get(30, TimeUnit.SECONDS)) {
            StyxClient blocking = c.withTimeout(Duration.ZERO);
            for (int i = 0; i < 3; i++) {
                RemoteFid clone = c.open("clone", P9.ORDWR).get(30, TimeUnit.SECONDS);
                String id = new String(clone.read(0, 64).get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8);
                clone.write(0, "exec sh -c 'echo $$; sleep 1000 & sleep 1000'".getBytes(StandardCharsets.UTF_8))
                        .get(30, TimeUnit.SECONDS);
                clone.clunk().get(30, TimeUnit.SECONDS);
                groups.add(firstLineNumber(blocking, id + "/stdout"));
            }
        }
        for (int g : groups) {
            await().atMost(Duration.ofSeconds(30)).until(() -> liveMembers(g).size() == 3);
        }

        node.destroy(); // SIGTERM
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("taskfs node exits on SIGTERM").isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int g : groups) {
                assertThat(liveMembers(g)).as("process group %d", g).isEmpty();
            }
        });
    }

    private static int firstLineNumber(StyxClient blocking, String path) throws Exception {
        RemoteFid f = blocking.open(path, P9.OREAD).get(30, TimeUnit.SECONDS);
        StringBuilder b = new StringBuilder();
        try {
            while (b.indexOf("\n") < 0) {
                byte[] chunk = f.readNext().get(30, TimeUnit.SECONDS);
                if (chunk.length == 0) {
                    throw new AssertionError(path + " ended before its first line: " + b);
                }
                b.append(new String(chunk, StandardCharsets.UTF_8));
            }
        } finally {
            f.clunk();
        }
        return Integer.parseInt(b.substring(0, b.indexOf("\n")).trim());
    }

    /** Live (not zombie) processes of process group {@code pgid}, read from /proc. */
    private static List<Integer> liveMembers(int pgid) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Integer.parseInt(f[2]) == pgid) {
                    pids.add(Integer.parseInt(proc.getFileName().toString()));
                }
            }
        }
        return pids;
    }
}
