package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;

/** kill, references, many tasks, disconnects, release, idle timeout. */
class NodeLifetimeTest extends NodeTestBase {

    private static final Duration AWAIT = Duration.ofSeconds(TIMEOUT_S);

    /** Room for the hundred tasks run at once below. */
    @Override
    NodeDaemon.Config config() {
        return super.config().withSlots(128);
    }

    @Test
    void killEndsTheProcessAndLeavesNothingBehind() throws Exception {
        String id = newTask();
        ctl(id, "exec sleep 1000");
        ctl(id, "kill");
        String wait = waitLine(id);
        assertThat(wait).matches("\\d+ \\d+ \\d+ \\d+ killed\n");
        int pid = Integer.parseInt(wait.split(" ")[0]);
        assertThat(Path.of("/proc/" + pid)).doesNotExist(); // reaped, not a zombie
        assertThat(liveMembers(pid)).isEmpty();
        assertThat(text(id + "/status")).contains(" Done ");
    }

    @Test
    void killReachesTheWholeProcessGroup() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'echo $$; sleep 1000 & sleep 1000'");
        int pgid = firstLinePid(id);
        await().atMost(AWAIT).until(() -> liveMembers(pgid).size() == 3); // sh and both sleeps
        ctl(id, "kill");
        assertThat(waitLine(id)).endsWith(" killed\n");
        await().atMost(AWAIT).until(() -> liveMembers(pgid).isEmpty());
    }

    @Test
    void killWithASignalName() throws Exception {
        String id = newTask();
        ctl(id, "exec sleep 1000");
        ctl(id, "kill INT");
        assertThat(waitLine(id)).matches("\\d+ \\d+ \\d+ \\d+ 'signal: 2'\n");
    }

    @Test
    void killWhenNothingRunsSaysNotStarted() throws Exception {
        String id = newTask();
        assertThat(rerror(ctlAsync(id, "kill"))).isEqualTo("not started");
        ctl(id, "exec true");
        waitLine(id);
        assertThat(rerror(ctlAsync(id, "kill"))).isEqualTo("not started");
    }

    @Test
    void statusCountsOpenFidsOfCtlStdioStdinStdoutStderrAndWait() throws Exception {
        String id = newTask();
        assertThat(refs(id)).isZero();
        List<RemoteFid> open = new ArrayList<>();
        open.add(get(c.open(id + "/ctl", P9.OREAD)));
        open.add(get(c.open(id + "/stdio", P9.OREAD)));
        open.add(get(c.open(id + "/stdin", P9.OWRITE)));
        open.add(get(c.open(id + "/stdout", P9.OREAD)));
        open.add(get(c.open(id + "/stderr", P9.OREAD)));
        open.add(get(c.open(id + "/wait", P9.OREAD)));
        assertThat(refs(id)).isEqualTo(6);
        // status, args, env and ns are not references (status would count itself otherwise).
        RemoteFid args = get(c.open(id + "/args", P9.OREAD));
        RemoteFid env = get(c.open(id + "/env", P9.OREAD));
        RemoteFid ns = get(c.open(id + "/ns", P9.OREAD));
        assertThat(refs(id)).isEqualTo(6);
        for (RemoteFid f : List.of(args, env, ns)) {
            get(f.clunk());
        }
        for (int i = 0; i < open.size(); i++) {
            get(open.get(i).clunk());
            assertThat(refs(id)).isEqualTo(open.size() - i - 1);
        }
        // The clone fid counts as the session's ctl.
        RemoteFid clone = get(c.open("clone", P9.ORDWR));
        String other = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
        get(clone.write(0, "res 1".getBytes(StandardCharsets.UTF_8)));
        assertThat(refs(other)).isEqualTo(1);
        get(clone.clunk());
        assertThat(refs(other)).isZero();
    }

    private int refs(String id) throws Exception {
        return Integer.parseInt(text(id + "/status").split(" ")[1]);
    }

    @Test
    void aNodeReservesNoMoreTasksThanItsSlotsAndFreesThemAsRunsEnd() throws Exception {
        try (NodeDaemon small = NodeDaemon.start(config().withSlots(2).withScratch(scratch.resolve("small")));
             StyxClient sc = get(StyxClient.connect(small.address(), ClientOptions.defaults()))) {
            assertThat(get(sc.readString("status"))).isEqualTo("2 Linux amd64\n");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RemoteFid clone = get(sc.open("clone", P9.ORDWR));
                String id = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
                // Both run at once: each waits for a line on stdin.
                get(clone.write(0, "exec sh -c 'read x; echo $x'".getBytes(StandardCharsets.UTF_8)));
                get(clone.clunk());
                ids.add(id);
            }
            assertThat(get(sc.readString("ns"))).contains(" slots=2 busy=2 ");
            RemoteFid third = get(sc.open("clone", P9.ORDWR));
            assertThat(rerror(third.write(0, "res 1 wait=0".getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo("res: not enough capacity: asked 1, 0 free slots (Linux amd64)");
            StyxClient sb = sc.withTimeout(Duration.ZERO);
            get(sc.write(ids.get(0) + "/stdin", "hi\n"));
            assertThat(get(sb.readString(ids.get(0) + "/stdout"))).isEqualTo("hi\n");
            // A finished run holds no slot: the third reservation goes through now.
            await().atMost(AWAIT).untilAsserted(() -> assertThat(get(sc.readString("ns"))).contains(" busy=1 "));
            get(third.write(0, "res 1".getBytes(StandardCharsets.UTF_8)));
            assertThat(get(sc.readString("ns"))).contains(" busy=2 ");
            get(third.clunk());
        }
    }

    @Test
    void aHundredTasksAtOnce() throws Exception {
        List<CompletableFuture<String[]>> runs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // Each task is driven by its own chain of requests, all in flight together.
            runs.add(c.open("clone", P9.ORDWR).thenCompose(clone -> clone.read(0, 64).thenCompose(idBytes -> {
                String id = new String(idBytes, StandardCharsets.UTF_8);
                return clone.write(0, "exec sh -c 'echo $TASKFS_TASK'".getBytes(StandardCharsets.UTF_8))
                        .thenCompose(n -> clone.clunk())
                        .thenCompose(v -> blocking.readString(id + "/stdout"))
                        .thenApply(out -> new String[] {id, out});
            })));
        }
        List<String> ids = new ArrayList<>();
        for (CompletableFuture<String[]> r : runs) {
            String[] idAndOut = get(r);
            assertThat(idAndOut[1]).isEqualTo("/" + idAndOut[0] + "/0\n");
            ids.add(idAndOut[0]);
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(100);
    }

    @Test
    void aDisconnectedClientLeavesItsTasksRunning() throws Exception {
        StyxClient other = connect(ClientOptions.defaults());
        RemoteFid clone = get(other.open("clone", P9.ORDWR));
        String id = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
        get(clone.write(0, "exec sh -c 'echo $$; exec sleep 1000'".getBytes(StandardCharsets.UTF_8)));
        get(other.open(id + "/wait", P9.OREAD)); // another reference, dropped with the connection
        int pid = firstLinePid(id);
        other.close(); // fids gone with the connection, never clunked
        get(other.closeFuture());

        await().atMost(AWAIT).until(() -> refs(id) == 0);
        assertThat(text(id + "/status")).contains(" Execute ");
        assertThat(liveMembers(pid)).containsExactly(pid);
        ctl(id, "kill");
        assertThat(waitLine(id)).startsWith(pid + " ").endsWith(" killed\n");
    }

    @Test
    void killOnCloseKillsWhenTheLastFidGoes() throws Exception {
        StyxClient other = connect(ClientOptions.defaults());
        RemoteFid clone = get(other.open("clone", P9.ORDWR));
        String id = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
        get(clone.write(0, "killonclose".getBytes(StandardCharsets.UTF_8)));
        get(clone.write(0, "exec sh -c 'echo $$; sleep 1000 & exec sleep 1000'".getBytes(StandardCharsets.UTF_8)));
        int pgid = firstLinePid(id);
        // The shell prints its pid before the background sleep exists: wait for both of the group.
        await().atMost(AWAIT).until(() -> liveMembers(pgid).size() == 2);
        other.close();

        await().atMost(AWAIT).until(() -> liveMembers(pgid).isEmpty());
        assertThat(get(c.list("/"))).extracting(Dir::name).doesNotContain(id);
    }

    @Test
    void killOnCloseWrittenAsItsOwnCommandWaitsForTheRun() throws Exception {
        String id = newTask();
        ctl(id, "killonclose"); // `echo killonclose > N/ctl`: its fid goes at once, but nothing runs yet
        RemoteFid out = get(c.open(id + "/stdout", P9.OREAD)); // this fid will be the last
        ctl(id, "exec sh -c 'echo $$; exec sleep 1000'");
        int pid = firstLinePid(id);
        assertThat(liveMembers(pid)).containsExactly(pid);
        get(out.clunk()); // the last fid of a task that runs: killed and gone
        await().atMost(AWAIT).until(() -> liveMembers(pid).isEmpty());
        assertThat(get(c.list("/"))).extracting(Dir::name).doesNotContain(id);
    }

    @Test
    void releaseKillsAndRemovesTheTask() throws Exception {
        String id = newTask();
        ctl(id, "dir scratch"); // its own directory: made for a run that starts in it, removed with it
        ctl(id, "exec sh -c 'echo $$; sleep 1000 & sleep 1000'");
        int pgid = firstLinePid(id);
        RemoteFid status = get(c.walk(id + "/status")); // walked before the release, opened after
        Path dir = scratch.resolve(id);
        assertThat(dir).isDirectory();

        ctl(id, "release");
        await().atMost(AWAIT).until(() -> liveMembers(pgid).isEmpty());
        assertThat(get(c.list("/"))).extracting(Dir::name).doesNotContain(id);
        assertThat(rerror(c.readString(id + "/status"))).isEqualTo("file does not exist");
        assertThat(rerror(status.open(P9.OREAD))).contains("released");
        await().atMost(AWAIT).until(() -> !Files.exists(dir));
    }

    @Test
    void releaseKillsWhatTheCommandLeftBehind() throws Exception {
        String id = newTask();
        // The leader exits at once; its background child stays in the task's process group.
        ctl(id, "exec sh -c 'echo $$; sleep 1000 &'");
        int pgid = firstLinePid(id);
        waitLine(id);
        assertThat(liveMembers(pgid)).hasSize(1);
        ctl(id, "release");
        await().atMost(AWAIT).until(() -> liveMembers(pgid).isEmpty());
    }

    @Test
    void daemonCloseKillsEveryTasksProcessGroup() throws Exception {
        List<Integer> groups = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = newTask();
            ctl(id, "exec sh -c 'echo $$; sleep 1000 & sleep 1000'");
            groups.add(firstLinePid(id));
        }
        String leftBehind = newTask();
        ctl(leftBehind, "exec sh -c 'echo $$; sleep 1000 &'");
        groups.add(firstLinePid(leftBehind));
        waitLine(leftBehind);
        for (int g : groups) {
            assertThat(liveMembers(g)).isNotEmpty();
        }

        c.close();
        daemon.close();
        daemon = null;
        c = null;
        // Killed with the close; reaping what the leaders left behind is up to init, so allow it a moment.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (int g : groups) {
                assertThat(liveMembers(g)).as("process group %d", g).isEmpty();
            }
        });
    }
}
