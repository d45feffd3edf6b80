package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/** The session ctl verbs of DESIGN §3.3, each as a user would notice it. */
class CtlVerbsTest extends ClusterTestBase {

    @Test
    void resIsAdditive() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        assertThat(sh.ls("/" + s)).startsWith("0", "1").doesNotContain("2");
        sh.echo("/" + s + "/ctl", "res 2");
        assertThat(sh.ls("/" + s)).startsWith("0", "1", "2", "3", "ctl").doesNotContain("4");
        assertThat(sh.lines("/" + s + "/status")).hasSize(4);
        assertThat(sh.lines("/" + s + "/ns")).hasSize(4);
    }

    @Test
    void execWithoutResReservesOneTask() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "exec echo alone");
        assertThat(sh.ls("/" + s)).startsWith("0", "ctl").doesNotContain("1");
        assertThat(sh.cat("/" + s + "/stdio")).isEqualTo("alone\n");
        assertThat(sh.lines("/" + s + "/status")).singleElement().asString().contains(" Done ");
    }

    @Test
    void killEndsEveryRunningTask() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "res 3");
        sh.echo("/" + s + "/ctl", "exec " + sleep);
        assertThat(processesWith(markerOf(sleep))).hasSize(3);
        assertThat(sh.lines("/" + s + "/status")).hasSize(3).allMatch(l -> l.contains(" Execute "));

        sh.echo("/" + s + "/ctl", "kill");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(3).allMatch(l -> l.matches("\\d \\d+ \\d+ \\d+ \\d+ killed"));
        assertThat(processesWith(markerOf(sleep))).isEmpty();
        // Nothing runs any more: devcmd's answer.
        assertThat(sh.echoFails("/" + s + "/ctl", "kill")).isEqualTo("not started");
    }

    @Test
    void killWithNothingRunningIsNotStarted() throws Exception {
        Sh sh = sh(cluster(1, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        assertThat(sh.echoFails("/" + s + "/ctl", "kill")).isEqualTo("not started");
        assertThat(sh.echoFails("/" + s + "/ctl", "kill KILL")).isEqualTo("not started");
    }

    @Test
    void dirSetsTheWorkingDirectoryOfLaterExecs(@TempDir Path where) throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "dir " + where);
        sh.echo("/" + s + "/ctl", "exec pwd");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo((where.toRealPath() + "\n").repeat(2));
        assertThat(sh.lines("/" + s + "/status")).allMatch(l -> l.contains(" " + where + " pwd"));
    }

    @Test
    void niceSetsTheNicenessOfLaterExecs() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "nice 7");
        // coreutils nice without a command prints the niceness it runs at
        sh.echo("/" + s + "/ctl", "exec nice");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("7\n7\n");
    }

    @Test
    void killoncloseKillsTheTasksWhenTheLastFidGoes() throws Exception {
        LocalCluster c = cluster(2, 4);
        Sh sh = sh(c);
        String sleep = uniqueSleep(1000);
        RemoteFid ctl = Sh.get(sh.client.open("/clone", P9.ORDWR));
        String s = new String(Sh.get(ctl.read(0, 32)), StandardCharsets.UTF_8);
        for (String cmd : List.of("res 2", "killonclose", "exec " + sleep)) {
            Sh.get(ctl.write(0, cmd.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(processesWith(markerOf(sleep))).hasSize(2);
        // Other commands come and go meanwhile without ending it.
        assertThat(sh.lines("/" + s + "/status")).hasSize(2);
        assertThat(sh.ls("/")).contains(s);

        Sh.get(ctl.clunk());
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).isEmpty());
        await().atMost(Sh.WAIT).until(() -> !sh.ls("/").contains(s));
        await().atMost(Sh.WAIT).until(() -> sh.cat("/ns").contains("busy=0") && !sh.cat("/ns").contains("busy=1"));
    }

    @Test
    void eofClosesEveryTasksStdin() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "exec wc -l");
        // A writer that stays open: only eof tells wc the input is over.
        RemoteFid in = Sh.get(sh.client.open("/" + s + "/stdin", P9.OWRITE));
        Sh.get(in.write(0, "a\nb\nc\n".getBytes(StandardCharsets.UTF_8)));
        sh.echo("/" + s + "/ctl", "eof");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("3\n3\n");
        Sh.get(in.clunk());
    }

    @Test
    void releaseKillsFreesAndRemoves() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String s = sh.newSession();
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "res 4");
        sh.echo("/" + s + "/ctl", "exec " + sleep);
        assertThat(processesWith(markerOf(sleep))).hasSize(4);
        assertThat(sh.cat("/ns")).contains("busy=2");

        sh.echo("/" + s + "/ctl", "release");
        assertThat(sh.ls("/")).doesNotContain(s);
        assertThat(sh.exists("/" + s + "/ctl")).isFalse();
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).isEmpty());
        // Answered once done: the nodes' own tables are empty and all four slots can be taken anew.
        for (var n : c.nodes()) {
            assertThat(n.tasks().taskCount()).isZero();
        }
        assertThat(sh.lines("/ns")).hasSize(2).allMatch(l -> l.contains("busy=0"));
        String again = sh.newSession();
        sh.echo("/" + again + "/ctl", "res 4");
    }

    @Test
    void errorsAreClearAndTheServerKeepsServing() throws Exception {
        LocalCluster c = cluster(2, 4);
        Sh sh = sh(c);
        String s = sh.newSession();
        String ctl = "/" + s + "/ctl";
        String arch = sh.cat("/arch").trim();

        assertThat(sh.echoFails(ctl, "frobnicate now")).isEqualTo("unknown control message \"frobnicate now\"");
        assertThat(sh.echoFails(ctl, "res")).isEqualTo("wrong #args in control message \"res\"");
        assertThat(sh.echoFails(ctl, "res 1 Linux amd64 extra"))
                .isEqualTo("wrong #args in control message \"res 1 Linux amd64 extra\"");
        assertThat(sh.echoFails(ctl, "exec")).isEqualTo("wrong #args in control message \"exec\"");
        assertThat(sh.echoFails(ctl, "res 0")).contains("res").contains("0").contains("1 or more");
        assertThat(sh.echoFails(ctl, "res -1")).contains("res").contains("\"-1\"");
        assertThat(sh.echoFails(ctl, "res 99999"))
                .isEqualTo("res: not enough capacity: asked 99999, 8 slots in the pool (" + arch + ")");
        assertThat(sh.echoFails(ctl, "res 2 Plan9 mips")).contains("asked 2").contains("0 slots in the pool")
                .contains("Plan9 mips");
        assertThat(sh.echoFails(ctl, "output bogus")).contains("bogus").contains("ordered, lines, tagged");
        assertThat(sh.echoFails(ctl, "input bogus")).contains("bogus").contains("bcast, rr, hash");
        assertThat(sh.echoFails(ctl, "kill")).contains("res N");
        // The pool's ctl is the admin's (mode 0664, owned by the user running the coordinator).
        assertThat(closeLater(Sh.connect(c.address(), "guest")).echoFails("/ctl", "drain node0"))
                .isEqualTo("permission denied");
        assertThat(admin(c.address()).echoFails("/ctl", "frobnicate"))
                .isEqualTo("unknown control message \"frobnicate\"");
        assertThat(admin(c.address()).echoFails("/ctl", "drain nosuch")).contains("nosuch");

        // Nothing was reserved by the failures, and everything still works.
        assertThat(sh.ls("/" + s)).first().isEqualTo("ctl");
        assertThat(sh.lines("/ns")).allMatch(l -> l.contains("busy=0"));
        sh.echo(ctl, "res 8");
        sh.echo(ctl, "exec echo fine");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("fine\n".repeat(8));
    }

    @Test
    void execOnTasksStillRunningIsRefusedAndDisturbsNothing() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        String sleep = uniqueSleep(1000);
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo before; " + sleep + "; echo never'");
        CompletableFuture<String> out = sh.catLater("/" + s + "/stdout");
        assertThat(sh.echoFails("/" + s + "/ctl", "exec echo intruder")).isEqualTo("device or object already in use");
        assertThat(sh.echoFails("/" + s + "/1/ctl", "exec echo intruder")).isEqualTo("device or object already in use");
        assertThat(sh.lines("/" + s + "/status")).hasSize(2).allMatch(l -> l.contains(" Execute ") && l.endsWith(" sh"));
        assertThat(out).isNotDone();
        // Both have said their line (sh starts the sleep after its echo) before they are stopped.
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 2);
        sh.echo("/" + s + "/ctl", "kill");
        assertThat(Sh.get(out)).isEqualTo("before\nbefore\n");
        assertThat(sh.lines("/" + s + "/wait")).hasSize(2).allMatch(l -> l.endsWith(" killed"));
    }

    @Test
    void releaseEndsReadersOfRunsThatWillNeverEnd() throws Exception {
        Sh sh = sh(cluster(1, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "exec " + uniqueSleep(1000));
        List<CompletableFuture<String>> readers = new java.util.ArrayList<>();
        for (String f : List.of("stdout", "stderr", "wait", "0/stdout", "1/wait")) {
            readers.add(sh.catLater("/" + s + "/" + f));
        }
        sh.echo("/" + s + "/ctl", "output lines");
        readers.add(sh.catLater("/" + s + "/stdio"));
        assertThat(readers).noneMatch(CompletableFuture::isDone);
        sh.echo("/" + s + "/ctl", "release");
        for (CompletableFuture<String> r : readers) {
            // End of file or an error: either way the reader is not left hanging.
            assertThat(r.handle((v, e) -> v == null ? "" : v)).succeedsWithin(Sh.WAIT);
        }
    }

    /** Once its output has ended, a task is done here as on its node: the next exec is taken at once. */
    @Test
    void theNextExecCanFollowTheEndOfTheOutput() throws Exception {
        Sh sh = sh(cluster(2, 4));
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        for (int i = 0; i < 10; i++) {
            sh.echo("/" + s + "/ctl", "exec echo " + i);
            assertThat(sh.cat("/" + s + "/stdout")).isEqualTo(i + "\n" + i + "\n");
            assertThat(sh.lines("/" + s + "/status")).allMatch(l -> l.contains(" Done "));
        }
    }
}
