package org.taskfs.coord;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.taskfs.styx.dial.DialAddress;

/**
 * A node daemon in a process of its own ({@code taskfs node}), so that it can die by SIGKILL.
 * It is up once it has printed its startup line on stderr.
 */
final class NodeProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("taskfs node: serving on (\\S+) with ");

    private final Process process;
    private final DialAddress address;
    /** Its stderr: a file, not a pipe, so that what it prints as it exits is not lost with the pipe. */
    private final Path stderr;

    private NodeProcess(Process process, DialAddress address, Path stderr) {
        this.process = process;
        this.address = address;
        this.stderr = stderr;
    }

    static NodeProcess start(int slots, String... options) throws Exception {
        return startAt(DialAddress.tcp("127.0.0.1", 0), slots, options);
    }

    /** At a given address: a node restarted where it was. */
    static NodeProcess startAt(DialAddress listen, int slots, String... options) throws Exception {
        return startVia(List.of(), listen, slots, options);
    }

    /**
     * Started through {@code launcher} (such as {@code ip netns exec NS}, which execs it: the process is
     * still the node's, so signals reach the node itself).
     */
    static NodeProcess startVia(List<String> launcher, DialAddress listen, int slots, String... options)
            throws Exception {
        List<String> argv = new ArrayList<>(launcher);
        argv.addAll(List.of(ClusterTestBase.javaBinary().toString(), "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-Xmx128m", "-cp", ClusterTestBase.classpath(), "org.taskfs.cli.Main",
                "node", "--listen", listen.toString(), "--slots", Integer.toString(slots)));
        argv.addAll(List.of(options));
        Path err = Files.createTempFile("taskfs-node-", ".err");
        // Kept past close, for a test to read what it printed as it stopped.
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(err.toFile());
        Process p = pb.start();
        try {
            CompletableFuture<DialAddress> up = new CompletableFuture<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                Matcher m = SERVING.matcher(Files.readString(err, StandardCharsets.UTF_8));
                if (m.find()) {
                    up.complete(DialAddress.parse(m.group(1), 0));
                }
                return up.isDone() || !p.isAlive();
            });
            if (!up.isDone()) {
                throw new IOException("taskfs node exited before serving:\n" + Files.readString(err));
            }
            return new NodeProcess(p, up.join(), err);
        } catch (Exception e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(err);
            throw e;
        }
    }

    DialAddress address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, its tasks' processes are orphaned, its connections reset. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What it has printed on stderr so far. */
    String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** Its exit status, once it has exited of its own accord within {@code atMost}. */
    int exitCode(Duration atMost) throws Exception {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new java.util.concurrent.TimeoutException("taskfs node " + process.pid() + " still runs after "
                    + atMost + "; it printed:\n" + stderr());
        }
        return process.exitValue();
    }

    /**
     * SIGSTOP: the daemon answers nothing while its connections stay open (its tasks' processes run on).
     * Returns once the kernel shows it stopped.
     */
    void stop() throws Exception {
        signal("STOP");
        await().atMost(Duration.ofSeconds(10)).until(() -> state() == 'T');
    }

    /** SIGCONT: it goes on where it was stopped. */
    void cont() throws Exception {
        signal("CONT");
        await().atMost(Duration.ofSeconds(10)).until(() -> state() != 'T');
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** The process's state letter in /proc ({@code T} when stopped). */
    private char state() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Stops it as its user would (SIGTERM: it kills its tasks), SIGKILL if that takes too long. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                signal("CONT"); // a stopped process would not act on the SIGTERM
            } catch (IOException gone) {
                // it ended meanwhile
            }
            process.destroy();
            if (!process.waitFor(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
