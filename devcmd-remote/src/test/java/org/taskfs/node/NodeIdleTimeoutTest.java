package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;

/** A finished task nobody touches goes away after the idle timeout; one in use stays. */
class NodeIdleTimeoutTest extends NodeTestBase {

    @Override
    NodeDaemon.Config config() {
        return super.config().withIdleTimeout(Duration.ofSeconds(1));
    }

    private boolean listed(String id) throws Exception {
        return get(c.list("/")).stream().map(Dir::name).anyMatch(id::equals);
    }

    @Test
    void aFinishedUntouchedTaskIsReleased() throws Exception {
        String idle = run("true");
        String held = run("true");
        RemoteFid fid = get(c.open(held + "/wait", P9.OREAD)); // a reference keeps it
        String running = newTask();
        ctl(running, "exec sleep 1000"); // running tasks are never idle

        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> !listed(idle));
        assertThat(rerror(c.readString(idle + "/status"))).isEqualTo("file does not exist");
        assertThat(listed(held)).isTrue();
        assertThat(listed(running)).isTrue();
        assertThat(text(running + "/status")).contains(" Execute ");

        get(fid.clunk());
        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> !listed(held));
        assertThat(listed(running)).isTrue();
        ctl(running, "kill");
    }
}
