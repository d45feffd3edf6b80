package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node running many tasks holds no thread per task: processes are reaped on the one I/O loop. */
class NodeThreadsTest extends NodeTestBase {
    private static final int TASKS = 500;

    @Override
    NodeDaemon.Config config() {
        return super.config().withSlots(TASKS);
    }

    @Test
    void fiveHundredSleepingTasksTakeNoThreadsOfTheirOwn() throws Exception {
        String s = newSession();
        ctl(s, "res " + TASKS);
        // A marker in the command line tells this test's processes from everyone's.
        String marker = "0.000" + ProcessHandle.current().pid() + "5";
        ctl(s, "exec sh -c 'echo $$; exec sleep 1000 " + marker + "'");
        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> sleepers(marker).size() == TASKS);

        // The whole JVM: the daemon, its client and the test's own threads.
        int threads = Thread.getAllStackTraces().size();
        assertThat(threads).isLessThanOrEqualTo(64);
        assertThat(text(s + "/status").lines().filter(l -> l.contains(" Execute ")).count()).isEqualTo(TASKS);

        ctl(s, "kill KILL");
        assertThat(follow(s + "/wait").lines()).hasSize(TASKS).allMatch(l -> l.endsWith(" killed"));
        assertThat(sleepers(marker)).isEmpty();
    }

    /** Live processes whose command line ends with {@code marker}. */
    private static List<Long> sleepers(String marker) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> a.length > 0 && a[a.length - 1].equals(marker)).orElse(false))
                .filter(p -> isLive(p.pid())).map(ProcessHandle::pid).toList();
    }

    private static boolean isLive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
