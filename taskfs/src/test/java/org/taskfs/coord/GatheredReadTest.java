package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Gathered reads of stdout, stderr and stdio in the three output modes (DESIGN §3.4). */
class GatheredReadTest extends ClusterTestBase {

    @Test
    void orderedIsExactlyTheTasksOutputsOneAfterAnother() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        // Different amounts of binary output (NULs and all) at different speeds: the first task is
        // the slowest to finish, the last ends without a newline.
        sh.echo("/" + s + "/ctl", "exec sh -c 'i=$TASKFS_INDEX; head -c $((i * 700000 + 13)) /dev/urandom;"
                + " sleep 0.$((3 - i)); printf \"x\\000y\\000\"; head -c $((i * 1000)) /dev/zero; printf end$i'");
        byte[] gathered = sh.catBytes("/" + s + "/stdout");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) {
            byte[] one = sh.catBytes("/" + s + "/" + i + "/stdout");
            assertThat(one.length).as("task %d's output", i).isEqualTo(i * 700000 + 13 + 4 + i * 1000 + 4);
            assertThat(new String(one, one.length - 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo("end" + i);
            expected.write(one);
        }
        assertThat(gathered).isEqualTo(expected.toByteArray());
        // stdio reads the same.
        assertThat(sh.catBytes("/" + s + "/stdio")).isEqualTo(expected.toByteArray());
    }

    @Test
    void linesAreWholeAndNeverInterleaved() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "output lines");
        int lines = 2000;
        int width = 3000;
        // Each task prints 2,000 lines of 3,000 characters, all tasks at once; the pipes and logs
        // carry them in pieces that split lines anywhere.
        sh.echo("/" + s + "/ctl", "exec awk 'BEGIN { t = ENVIRON[\"TASKFS_INDEX\"]; pad = sprintf(\"%" + width
                + "s\", \"\"); gsub(/ /, \"x\", pad); for (i = 0; i < " + lines
                + "; i++) print substr(t \"-\" i \"-\" pad, 1, " + width + ") }'");
        String out = sh.cat("/" + s + "/stdout");
        Map<String, Integer> seen = new HashMap<>();
        for (String line : Sh.split(out)) {
            seen.merge(line, 1, Integer::sum);
        }
        Map<String, Integer> expected = new HashMap<>();
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < lines; i++) {
                String head = t + "-" + i + "-";
                expected.put(head + "x".repeat(width - head.length()), 1);
            }
        }
        List<String> odd = new ArrayList<>();
        for (String line : seen.keySet()) {
            if (!expected.containsKey(line)) {
                odd.add(line.length() + ":" + line.substring(0, Math.min(40, line.length())) + "…"
                        + line.substring(Math.max(0, line.length() - 20)));
            }
        }
        assertThat(odd).as("lines that are no task's line").isEmpty();
        assertThat(seen).isEqualTo(expected);
        // And each task's lines keep their order.
        List<Integer> last = new ArrayList<>(List.of(-1, -1, -1, -1));
        for (String line : Sh.split(out)) {
            String[] f = line.split("-", 3);
            int t = Integer.parseInt(f[0]);
            int i = Integer.parseInt(f[1]);
            assertThat(i).isEqualTo(last.get(t) + 1);
            last.set(t, i);
        }
    }

    @Test
    void taggedPrefixesEachLineWithItsTaskPath() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "output tagged");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo one$TASKFS_INDEX; echo two$TASKFS_INDEX; printf last'");
        List<String> out = sh.lines("/" + s + "/stdout");
        assertThat(out).containsExactlyInAnyOrder("0: one0", "0: two0", "0: last", "1: one1", "1: two1", "1: last",
                "2: one2", "2: two2", "2: last");
        for (int t = 0; t < 3; t++) {
            String p = t + ": ";
            assertThat(out.stream().filter(l -> l.startsWith(p)).toList())
                    .containsExactly(p + "one" + t, p + "two" + t, p + "last");
        }
        // A subtask's own stdout is that task's bytes, untagged.
        assertThat(sh.cat("/" + s + "/1/stdout")).isEqualTo("one1\ntwo1\nlast");
    }

    @Test
    void stderrIsGatheredLikewise() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo out$TASKFS_INDEX; echo err$TASKFS_INDEX >&2'");
        assertThat(sh.cat("/" + s + "/stderr")).isEqualTo("err0\nerr1\nerr2\n");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("out0\nout1\nout2\n");
        assertThat(sh.cat("/" + s + "/2/stderr")).isEqualTo("err2\n");
        sh.echo("/" + s + "/ctl", "output tagged");
        assertThat(sh.lines("/" + s + "/stderr")).containsExactlyInAnyOrder("0: err0", "1: err1", "2: err2");
    }

    @Test
    void aReaderOpenedBeforeThereIsOutputGetsIt() throws Exception {
        Sh sh = sh(cluster(2, 4));
        Sh other = sh(cluster(0, 0).address()); // unrelated server, to check the reader is really blocked
        other.ls("/");
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        // Each task prints once its stdin has a line.
        sh.echo("/" + s + "/ctl", "exec sh -c 'read go; echo hello $TASKFS_INDEX'");
        CompletableFuture<String> ordered = sh.catLater("/" + s + "/stdio");
        CompletableFuture<String> tagged;
        sh.echo("/" + s + "/ctl", "output tagged");
        tagged = sh.catLater("/" + s + "/stdout");
        CompletableFuture<String> one = sh.catLater("/" + s + "/1/stdout");
        // Other requests go on while they wait.
        assertThat(sh.lines("/" + s + "/status")).hasSize(2);
        assertThat(ordered).isNotDone();
        assertThat(tagged).isNotDone();
        assertThat(one).isNotDone();

        sh.echo("/" + s + "/stdin", "go");
        assertThat(Sh.get(ordered)).isEqualTo("hello 0\nhello 1\n");
        assertThat(Sh.split(Sh.get(tagged))).containsExactlyInAnyOrder("0: hello 0", "1: hello 1");
        assertThat(Sh.get(one)).isEqualTo("hello 1\n");
    }
}
