package org.taskfs.coord;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.dial.DialAddress;

/**
 * A coordinator in a process of its own ({@code taskfs serve}), so that it can die by SIGKILL and be started
 * again on the same address and state. It serves once it has printed its startup line on stderr.
 */
final class CoordinatorProcess implements AutoCloseable {
    private final Process process;
    private final Path stderr;
    private final DialAddress address;

    private CoordinatorProcess(Process process, Path stderr, DialAddress address) {
        this.process = process;
        this.stderr = stderr;
        this.address = address;
    }

    /** A free loopback port, for a coordinator restarted where it was. */
    static DialAddress freeAddress() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return DialAddress.tcp("127.0.0.1", s.getLocalPort());
        }
    }

    /** Starts {@code taskfs serve --listen AT OPTIONS…}, returning once it is serving (or, as a standby, started). */
    static CoordinatorProcess start(DialAddress at, String... options) throws Exception {
        CoordinatorProcess c = spawn(at, options);
        c.awaitServing(Duration.ofSeconds(60));
        return c;
    }

    /** Starts it, returning at once. */
    static CoordinatorProcess spawn(DialAddress at, String... options) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ClusterTestBase.javaBinary().toString(), "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-Xmx192m", "-cp", ClusterTestBase.classpath(), "org.taskfs.cli.Main",
                "serve", "--listen", at.toString()));
        argv.addAll(List.of(options));
        Path err = Files.createTempFile("taskfs-serve-", ".err");
        err.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(err.toFile());
        return new CoordinatorProcess(pb.start(), err, at);
    }

    void awaitServing(Duration atMost) throws Exception {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(10))
                    .until(() -> stderr().contains("taskfs serve: serving on ") || !process.isAlive());
            if (!stderr().contains("taskfs serve: serving on ")) {
                throw new IOException("taskfs serve exited before serving:\n" + stderr());
            }
        } catch (Exception | AssertionError e) {
            kill9();
            throw e;
        }
    }

    DialAddress address() {
        return address;
    }

    String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs, nothing is released on the nodes, the journal is as the kernel left it. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }
}
