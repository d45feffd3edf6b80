package org.taskfs.demos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.coord.LocalCluster;
import org.taskfs.styx.dial.DialAddress;

/** Each demo script, run as a user would against the embedded default (a coordinator, 4 nodes). */
class DemosTest {
    @TempDir
    static Path scratch;

    static LocalCluster cluster;
    static DemoRunner demos;
    static String address;

    @BeforeAll
    static void up() throws Exception {
        cluster = LocalCluster.start(DialAddress.tcp("127.0.0.1", 0), 4, 0, 4);
        address = cluster.address().toString();
        demos = new DemoRunner(scratch);
    }

    @AfterAll
    static void down() {
        cluster.close();
    }

    private static String hostname() throws Exception {
        Process p = new ProcessBuilder("hostname").start();
        return new String(p.getInputStream().readAllBytes()).trim();
    }

    @Test
    void transcriptShowsFourTasksRunningHostname() throws Exception {
        DemoRunner.Result r = demos.run(address, "transcript.sh", null);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String out = r.stdout();
        assertThat(out).contains("% ls " + sessionOf(out));
        String afterRes = out.substring(out.indexOf("% echo res 4 > ctl"));
        assertThat(afterRes.lines().skip(1).limit(5)).containsExactly("0/", "1/", "2/", "3/", "ctl");
        String stdio = section(out, "% echo exec hostname > ctl; cat stdio", "% cat stderr");
        assertThat(stdio.lines()).containsExactly(hostname(), hostname(), hostname(), hostname());
        assertThat(section(out, "% cat stderr", "% cat status")).isEmpty();
        String status = out.substring(out.lastIndexOf("% cat status") + "% cat status\n".length());
        assertThat(status.lines()).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Done \\S+ hostname"));
    }

    @Test
    void transcriptThroughAFuseMountWithTheShell() throws Exception {
        DemoRunner.Result r = demos.run(address, "transcript-mount.sh", null);

        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        String out = r.stdout();
        String tree = section(out, "% echo res 4 > ctl\n% tree .", "% cd 3; ls -l");
        assertThat(tree).contains("├── 0", "├── 1", "├── 2", "├── 3", "└── wait");
        assertThat(section(out, "% cd 3; ls -l", "% cat 3/status").lines()).containsExactly(
                "-rw------- args", "-rw------- ctl", "-rw------- env", "-r-------- err", "-rw------- ns", "-r-------- status",
                "-r-------- stderr", "--w------- stdin", "-rw------- stdio", "-r-------- stdout",
                "-r-------- wait");
        assertThat(section(out, "% cat 3/status", "% cat status").lines()).singleElement().asString()
                .matches("cmd/\\d+ \\d+ Closed \\S+ ''");
        assertThat(section(out, "% cat stdio", "% cat stderr").lines())
                .containsExactly(hostname(), hostname(), hostname(), hostname());
        assertThat(section(out, "% cat stderr", "% cat status")).isEmpty();
        String status = out.substring(out.lastIndexOf("% cat status") + "% cat status\n".length());
        assertThat(status.lines()).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Done \\S+ hostname"));
    }

    @Test
    void wordCountGathersTheCountsOfEveryWord() throws Exception {
        String text = String.join(" ", java.util.Collections.nCopies(50, "the quick brown fox")) + "\n"
                + "The fox, the END. jumps over the lazy dog\n".repeat(20);
        Map<String, Long> expected = Arrays.stream(text.toLowerCase().split("[^a-z0-9]+"))
                .filter(w -> !w.isEmpty())
                .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));

        DemoRunner.Result r = demos.run(address, "wordcount.sh", text);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Map<String, Long> counted = r.stdout().lines().map(l -> l.trim().split("\\s+"))
                .collect(Collectors.toMap(f -> f[1], f -> Long.parseLong(f[0]), (a, b) -> a + b, TreeMap::new));
        // Each word is counted on exactly one task, so no word appears twice in the gathered output.
        assertThat(r.stdout().lines().count()).isEqualTo(expected.size());
        assertThat(counted).isEqualTo(expected);
    }

    @Test
    void ringPassesTheTokenThroughEverySibling() throws Exception {
        DemoRunner.Result r = demos.run(address, "ring.sh", null, "4");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines()).last().isEqualTo("token from 0 via 1 via 2 via 3");
    }

    @Test
    void fanoutRunsOnEveryNodeWithTaggedOutput() throws Exception {
        DemoRunner.Result r = demos.run(address, "fanout.sh", null);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(r.stdout()).containsPattern("(?m)^node\\d+/" + i + ": " + hostname()
                    + " \\S+ \\S+ task /\\d+/" + i + " of 4$");
        }
    }

    private static String sessionOf(String out) {
        return out.lines().skip(1).findFirst().orElseThrow();
    }

    private static String section(String out, String from, String to) {
        int a = out.indexOf(from);
        int b = out.indexOf(to, a);
        return out.substring(a + from.length(), b).strip();
    }

}
