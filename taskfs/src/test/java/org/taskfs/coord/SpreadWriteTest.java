package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/** Writes to a session's stdin and stdio spread over its tasks (DESIGN §3.5). */
class SpreadWriteTest extends ClusterTestBase {

    @Test
    void bcastGivesEveryTaskAllTheInputAndEofOnClose() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "exec cat");
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            input.append("line ").append(i).append('\n');
        }
        // Several writes, larger than one message, then the clunk: every cat sees EOF and ends.
        sh.writeAll("/" + s + "/stdin", input.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(sh.lines("/" + s + "/wait")).hasSize(3).allMatch(l -> l.endsWith(" ''"));
        for (int t = 0; t < 3; t++) {
            assertThat(sh.cat("/" + s + "/" + t + "/stdout")).isEqualTo(input.toString());
        }
    }

    @Test
    void stdioWritesSpreadLikeStdin() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "exec wc -l");
        sh.writeAll("/" + s + "/stdio", "a\nb\n".getBytes(StandardCharsets.UTF_8));
        assertThat(sh.cat("/" + s + "/stdio")).isEqualTo("2\n2\n");
    }

    @Test
    void rrDealsWholeLinesRoundRobin() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        int n = 3;
        sh.echo("/" + s + "/ctl", "res " + n);
        sh.echo("/" + s + "/ctl", "input rr");
        sh.echo("/" + s + "/ctl", "exec cat");
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            input.append("L").append(i).append('\n');
        }
        // Written in pieces that cut lines anywhere: still whole lines arrive.
        RemoteFid in = Sh.get(sh.client.open("/" + s + "/stdin", P9.OWRITE));
        byte[] all = input.toString().getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < all.length; at += 7) {
            Sh.get(in.write(at, java.util.Arrays.copyOfRange(all, at, Math.min(all.length, at + 7))));
        }
        Sh.get(in.clunk());
        for (int t = 0; t < n; t++) {
            List<String> expected = new ArrayList<>();
            for (int i = t; i < 1000; i += n) {
                expected.add("L" + i);
            }
            assertThat(sh.lines("/" + s + "/" + t + "/stdout")).as("task %d", t).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void hashSendsEqualKeysToOneTaskAndEveryLineOnce() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        int n = 4;
        sh.echo("/" + s + "/ctl", "res " + n);
        sh.echo("/" + s + "/ctl", "input hash");
        sh.echo("/" + s + "/ctl", "exec cat");
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            input.append("key").append(i % 37).append(" value").append(i).append('\n');
        }
        sh.writeAll("/" + s + "/stdin", input.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, Integer> taskOfKey = new HashMap<>();
        List<String> delivered = new ArrayList<>();
        int used = 0;
        for (int t = 0; t < n; t++) {
            List<String> lines = sh.lines("/" + s + "/" + t + "/stdout");
            used += lines.isEmpty() ? 0 : 1;
            for (String line : lines) {
                String key = line.split(" ")[0];
                Integer before = taskOfKey.putIfAbsent(key, t);
                assertThat(before == null ? t : before).as("task of %s", key).isEqualTo(t);
                delivered.add(line);
            }
        }
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(Sh.split(input.toString()));
        assertThat(taskOfKey).hasSize(37);
        assertThat(used).as("tasks that got keys").isGreaterThan(1);
    }

    @Test
    void anUnfinishedLastLineIsDeliveredAtClose() throws Exception {
        Sh sh = sh(cluster(1, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "input rr");
        sh.echo("/" + s + "/ctl", "exec cat");
        sh.writeAll("/" + s + "/stdin", "first\nsecond\nno newline".getBytes(StandardCharsets.UTF_8));
        assertThat(sh.cat("/" + s + "/0/stdout")).isEqualTo("first\nno newline");
        assertThat(sh.cat("/" + s + "/1/stdout")).isEqualTo("second\n");
    }

    /** Input and its end that reach a task while its process is being started are not lost. */
    @Test
    void inputArrivingWhileTheProcessStartsIsKept() throws Exception {
        Sh sh = sh(cluster(1, 4));
        for (int i = 0; i < 20; i++) {
            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 1");
            // Sent together: the exec, then input and the writer's close, with no wait between.
            CompletableFuture<Void> exec = sh.client.write("/" + s + "/ctl", "exec wc -l\n");
            CompletableFuture<Void> input = sh.client.write("/" + s + "/stdin", "a\nb\n");
            Sh.get(exec);
            Sh.get(input);
            assertThat(sh.cat("/" + s + "/stdout").strip()).as("round %d", i).isEqualTo("2");
            sh.echo("/" + s + "/ctl", "release");
        }
    }
}
