package org.taskfs.coord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.taskfs.styx.dial.DialAddress;

/**
 * Coordinators, nodes, clients and processes made by a test, all closed after it (last made,
 * first closed), and the helpers the coordinator tests share.
 */
abstract class ClusterTestBase {
    static final DialAddress LOOPBACK = DialAddress.tcp("127.0.0.1", 0);
    private static final AtomicLong TOKENS = new AtomicLong(System.nanoTime() % 1_000_000);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    /** Markers of processes this test started; any still alive at the end are killed. */
    private final List<String> markers = new ArrayList<>();

    <T extends AutoCloseable> T closeLater(T resource) {
        resources.push(resource);
        return resource;
    }

    LocalCluster cluster(int nodes, int slotsEach) {
        return cluster(Coordinator.Config.defaults(LOOPBACK), nodes, slotsEach);
    }

    LocalCluster cluster(Coordinator.Config config, int nodes, int slotsEach) {
        return closeLater(LocalCluster.start(config, nodes, 0, slotsEach));
    }

    Sh sh(LocalCluster c) throws Exception {
        return sh(c.address());
    }

    Sh sh(DialAddress at) throws Exception {
        return closeLater(Sh.connect(at));
    }

    /** A client attached as the coordinator's admin, who may write the root ctl. */
    Sh admin(DialAddress at) throws Exception {
        return closeLater(Sh.connect(at, ADMIN));
    }

    static final String ADMIN = System.getProperty("user.name", "taskfs");

    @AfterEach
    void closeResources() throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        for (String m : markers) {
            for (long pid : processesWith(m)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * A {@code sleep} that lasts {@code seconds} and whose command line is unique to this call
     * (GNU sleep sums its arguments), so the test can find its processes among everyone's.
     */
    String uniqueSleep(int seconds) {
        String marker = "0.000" + TOKENS.incrementAndGet();
        markers.add(marker);
        return "sleep " + seconds + " " + marker;
    }

    /** The marker of a command made by {@link #uniqueSleep}. */
    static String markerOf(String sleepCommand) {
        return sleepCommand.substring(sleepCommand.lastIndexOf(' ') + 1);
    }

    /** Live (not zombie) processes whose command line contains {@code token} as a word. */
    static List<Long> processesWith(String token) throws IOException {
        return Sh.processesWith(token);
    }

    /** This machine's name, as {@code hostname} prints it. */
    static String hostname() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    }

    /** The classpath of this JVM, to start the CLI in other processes. */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
