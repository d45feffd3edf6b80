package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;

/**
 * The seed transcript (seeds/004), step by step, each step a separate command with its own fids,
 * against a coordinator with real node daemons.
 */
class SeedTranscriptTest extends ClusterTestBase {
    private static final List<String> TASK_FILES =
            List.of("ctl", "stdio", "stdin", "stdout", "stderr", "status", "wait", "args", "env", "ns", "err");
    /** DESIGN §3.2. */
    private static final Map<String, Integer> MODES = Map.ofEntries(Map.entry("ctl", 0600), Map.entry("stdio", 0600),
            Map.entry("stdin", 0200), Map.entry("stdout", 0400), Map.entry("stderr", 0400), Map.entry("status", 0400),
            Map.entry("wait", 0400), Map.entry("args", 0600), Map.entry("env", 0600), Map.entry("ns", 0600),
            Map.entry("err", 0400));

    @Test
    void theTranscript() throws Exception {
        LocalCluster c = cluster(2, 4);
        Sh sh = sh(c);

        assertThat(sh.ls("/")).containsExactly("clone", "ctl", "arch", "status", "ns", "env", "sessions");

        assertThat(sh.cat("/clone")).isEqualTo("0");

        // A fresh session: no subtask directories, the task files in brasil's order.
        assertThat(sh.ls("/")).containsExactly("0", "clone", "ctl", "arch", "status", "ns", "env", "sessions");
        assertThat(sh.ls("/0")).containsExactlyElementsOf(TASK_FILES);
        assertModes(sh, "/0");

        sh.echo("/0/ctl", "res 4");
        assertThat(sh.ls("/0")).containsExactly("0", "1", "2", "3", "ctl", "stdio", "stdin", "stdout", "stderr",
                "status", "wait", "args", "env", "ns", "err");
        for (String t : List.of("0", "1", "2", "3")) {
            assertThat(sh.modes("/0").get(t) & P9.DMDIR).as("%s is a directory", t).isNotZero();
            assertThat(sh.ls("/0/" + t)).containsExactlyElementsOf(TASK_FILES);
            assertModes(sh, "/0/" + t);
        }

        List<String> one = sh.lines("/0/3/status");
        assertThat(one).hasSize(1);
        assertThat(one.get(0)).matches("cmd/\\d+ \\d+ Closed \\S+ ''");

        List<String> all = sh.lines("/0/status");
        assertThat(all).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Closed \\S+ ''"));
        assertThat(all.get(3)).isEqualTo(one.get(0));

        sh.echo("/0/ctl", "exec hostname");
        String host = hostname();
        assertThat(sh.cat("/0/stdio")).isEqualTo((host + "\n").repeat(4));
        assertThat(sh.cat("/0/stderr")).isEmpty();
        assertThat(sh.lines("/0/status")).hasSize(4)
                .allMatch(l -> l.matches("cmd/\\d+ \\d+ Done \\S+ hostname"), "Done, with hostname as ARG0");
    }

    private static void assertModes(Sh sh, String dir) throws Exception {
        Map<String, Integer> modes = sh.modes(dir);
        for (String f : TASK_FILES) {
            assertThat(modes.get(f) & 0777).as("mode of %s/%s", dir, f).isEqualTo(MODES.get(f));
            assertThat(modes.get(f) & P9.DMDIR).as("%s/%s is a file", dir, f).isZero();
        }
    }
}
