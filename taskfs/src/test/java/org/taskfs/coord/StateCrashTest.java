package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/**
 * SIGKILL while the state is being written, again and again: every restart starts, and every session a client
 * was given (its clone answered), with every setting it was told was made, is there.
 */
class StateCrashTest extends ClusterTestBase {
    private static final int ROUNDS = 20;
    private static final int IN_FLIGHT = 8;

    @TempDir
    Path state;

    /** What the client was told: session number to the env value answered for it, or "" for none yet. */
    private final Map<Integer, String> told = new ConcurrentHashMap<>();

    @Test
    void killedWhileWritingItsStateEveryRestartHasWhatClientsWereTold() throws Exception {
        DialAddress at = CoordinatorProcess.freeAddress();
        Random random = new Random(42);
        int newest = -1;
        for (int round = 0; round < ROUNDS; round++) {
            CoordinatorProcess c = CoordinatorProcess.start(at, "--state", state.toString());
            try (Sh sh = Sh.connect(at)) {
                check(sh, round);
                int fresh = Integer.parseInt(sh.newSession());
                assertThat(fresh).as("round %d: a new number after every one given", round).isGreaterThan(newest);
                told.put(fresh, "");
                newest = fresh;
                // Sessions made, and each given a setting, as fast as the client can; killed after a random count.
                int killAfter = 1 + random.nextInt(120);
                CountDownLatch enough = new CountDownLatch(killAfter);
                List<CompletableFuture<Void>> loops = new ArrayList<>();
                for (int i = 0; i < IN_FLIGHT; i++) {
                    loops.add(makeSessions(sh.client, enough));
                }
                assertThat(enough.await(60, TimeUnit.SECONDS)).as("round %d: sessions made", round).isTrue();
                c.kill9();
                for (CompletableFuture<Void> l : loops) {
                    l.handle((v, e) -> null).get(30, TimeUnit.SECONDS);
                }
                newest = Math.max(newest, told.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1));
            } finally {
                c.kill9();
            }
            assertThat(c.stderr()).as("round %d: nothing unreadable", round).doesNotContain("cannot be read");
        }
        CoordinatorProcess last = closeLater(CoordinatorProcess.start(at, "--state", state.toString()));
        try (Sh sh = Sh.connect(last.address())) {
            check(sh, ROUNDS);
        }
    }

    /** Until the coordinator dies: clone (a number told), then an env write on it (a setting told). */
    private CompletableFuture<Void> makeSessions(StyxClient client, CountDownLatch enough) {
        return client.open("/clone", P9.ORDWR).thenCompose(ctl -> ctl.read(0, 32).thenCompose(b -> {
            int n = Integer.parseInt(new String(b, StandardCharsets.UTF_8));
            told.put(n, "");
            enough.countDown();
            String value = "v" + n;
            return client.write("/" + n + "/env", "K=" + value + "\n").thenRun(() -> told.put(n, value))
                    .whenComplete((v, e) -> ctl.clunk());
        })).thenCompose(v -> makeSessions(client, enough));
    }

    private void check(Sh sh, int round) throws Exception {
        List<String> root = sh.ls("/");
        for (Map.Entry<Integer, String> t : told.entrySet()) {
            String n = Integer.toString(t.getKey());
            assertThat(root).as("round %d: session %s, told to a client", round, n).contains(n);
            if (!t.getValue().isEmpty()) {
                assertThat(sh.cat("/" + n + "/env")).as("round %d: session %s's env", round, n)
                        .contains("K=" + t.getValue() + "\n");
            }
        }
    }
}
