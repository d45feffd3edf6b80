package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;

/** exec goes to every task at once, and all or nothing: a failure leaves no process anywhere. */
class ExecForwardingTest extends ClusterTestBase {

    @Test
    void aMissingBinaryFailsNamingTheTaskAndLeavesNothingRunning() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        String error = sh.echoFails("/" + s + "/ctl", "exec /nonexistent/taskfs-no-such-binary");
        assertThat(error).matches("task [0-3]: exec failed: /nonexistent/taskfs-no-such-binary: No such file or directory");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.contains(" Fail "));

        // The tasks are still there and a later exec works.
        sh.echo("/" + s + "/ctl", "exec echo recovered");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("recovered\n".repeat(4));
    }

    @Test
    void aCommandMissingOnOneTaskStartsNowhere() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        // Task 2 alone looks for its commands where there are none: sleep exists for the others only.
        sh.echo("/" + s + "/2/env", "PATH=/nonexistent-taskfs-path");
        String sleep = uniqueSleep(1000);
        String error = sh.echoFails("/" + s + "/ctl", "exec " + sleep);
        assertThat(error).isEqualTo("task 2: exec failed: sleep: No such file or directory");
        // The three that started were sent SIGKILL before the error came back; they are gone at once
        // (the bound only covers the kernel finishing them off).
        await().atMost(java.time.Duration.ofSeconds(2)).until(() -> processesWith(markerOf(sleep)).isEmpty());
        assertThat(sh.lines("/" + s + "/wait")).hasSize(4);

        sh.echo("/" + s + "/2/env", "PATH=/usr/bin:/bin");
        sh.echo("/" + s + "/ctl", "exec echo again");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("again\n".repeat(4));
    }

    @Test
    void execReachesTheTasksInParallel() throws Exception {
        Sh sh = sh(cluster(4, 2));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 8");
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "exec " + sleep);
        // exec returns once every task has started its process.
        assertThat(processesWith(markerOf(sleep))).hasSize(8);
        sh.echo("/" + s + "/ctl", "kill KILL");
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).isEmpty());
    }
}
