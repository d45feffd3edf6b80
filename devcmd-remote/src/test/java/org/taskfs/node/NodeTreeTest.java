package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;

/** The tree: names, order, modes and the generated root files; clone and the lifetime of tasks. */
class NodeTreeTest extends NodeTestBase {

    private Map<String, Integer> modes(String dir) throws Exception {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Dir d : get(c.list(dir))) {
            m.put(d.name(), d.mode());
        }
        return m;
    }

    @Test
    void rootListsTaskDirectoriesFirstThenItsFilesWithTheirModes() throws Exception {
        assertThat(modes("/")).containsExactly(
                Map.entry("clone", 0666), Map.entry("ctl", 0644), Map.entry("arch", 0444),
                Map.entry("status", 0444), Map.entry("ns", 0444), Map.entry("env", 0644),
                Map.entry("sessions", 0444));

        String a = newTask();
        String b = newTask();
        List<Dir> root = get(c.list("/"));
        assertThat(root).extracting(Dir::name).containsExactly(a, b, "clone", "ctl", "arch", "status", "ns", "env",
                "sessions");
        assertThat(root.get(0).mode()).as("a session is its owner's").isEqualTo(P9.DMDIR | 0500);
        assertThat(root.get(0).isDirectory()).isTrue();
    }

    @Test
    void taskDirectoryHasItsFilesInOrderForTheOwnerAlone() throws Exception {
        String id = newTask();
        assertThat(modes(id + "/0")).containsExactly(
                Map.entry("ctl", 0600), Map.entry("stdio", 0600), Map.entry("stdin", 0200),
                Map.entry("stdout", 0400), Map.entry("stderr", 0400), Map.entry("status", 0400),
                Map.entry("wait", 0400), Map.entry("args", 0600), Map.entry("env", 0600), Map.entry("ns", 0600),
                Map.entry("err", 0400));
        assertThat(get(c.stat(id + "/stdout")).length()).isZero();
    }

    @Test
    void archAndStatusDescribeThisHost() throws Exception {
        assertThat(text("arch")).isEqualTo("Linux amd64\n");
        assertThat(text("status")).isEqualTo("4 Linux amd64\n");
    }

    @Test
    void rootNsReportsSlotsAndABusyCountThatRisesAndFalls() throws Exception {
        assertThat(text("ns")).contains("slots=4").contains("busy=0");
        String a = newTask();
        String b = newTask();
        ctl(a, "exec sleep 1000");
        ctl(b, "exec sleep 1000");
        assertThat(text("ns")).contains("slots=4").contains("busy=2");

        ctl(a, "kill");
        waitLine(a);
        assertThat(text("ns")).contains("busy=1");
        ctl(b, "kill");
        waitLine(b);
        assertThat(text("ns")).contains("busy=0");
    }

    @Test
    void readingAnOpenedCloneGivesTheTaskNumberWithoutNewline() throws Exception {
        RemoteFid first = get(c.open("clone", P9.ORDWR));
        RemoteFid second = get(c.open("clone", P9.OREAD));
        String a = new String(get(first.read(0, 100)), StandardCharsets.UTF_8);
        String b = new String(get(second.read(0, 100)), StandardCharsets.UTF_8);
        assertThat(a).matches("[0-9]+");
        assertThat(Integer.parseInt(b)).isEqualTo(Integer.parseInt(a) + 1);
        // The opened clone answers as the task's ctl: same qid, same text, offsets honoured.
        assertThat(first.qid()).isEqualTo(get(c.walk(a + "/ctl")).qid());
        assertThat(get(first.read(a.length(), 100))).isEmpty();
        assertThat(text(a + "/ctl")).isEqualTo(a);
        get(first.clunk());
        get(second.clunk());
    }

    @Test
    void theCloneFidIsTheCtlFile() throws Exception {
        RemoteFid clone = get(c.open("clone", P9.ORDWR));
        String id = new String(get(clone.read(0, 100)), StandardCharsets.UTF_8);
        assertThat(get(clone.write(0, "exec echo from-clone\n".getBytes(StandardCharsets.UTF_8)))).isEqualTo(21);
        assertThat(follow(id + "/stdout")).isEqualTo("from-clone\n");
        get(clone.clunk());
    }

    @Test
    void aTaskOutlivesItsFids() throws Exception {
        String id = newTask(); // clone opened, read, clunked
        assertThat(text(id + "/status")).isEqualTo("cmd/" + id + " 0 Closed " + quotedScratch(id) + " ''\n");

        ctl(id, "exec echo later"); // a separate open of N/ctl, like a second shell command
        assertThat(follow(id + "/stdout")).isEqualTo("later\n");
        assertThat(get(c.list("/"))).extracting(Dir::name).contains(id);
    }

    @Test
    void statusLineShowsReferencesStateDirectoryAndCommand() throws Exception {
        String id = newTask();
        // Before any run, the task's own directory; after one, where it ran (the owner's home by default).
        assertThat(text(id + "/status")).isEqualTo("cmd/" + id + " 0 Closed " + quotedScratch(id) + " ''\n");
        ctl(id, "exec sh -c 'exit 0'");
        waitLine(id);
        // The wait and ctl fids were clunked before those requests completed, so no reference is left.
        assertThat(text(id + "/status")).isEqualTo("cmd/" + id + " 0 Done " + System.getProperty("user.home") + " sh\n");
    }

    private String quotedScratch(String id) {
        return scratch.resolve(id).toString();
    }
}
