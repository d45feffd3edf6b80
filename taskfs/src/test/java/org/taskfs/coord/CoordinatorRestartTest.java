package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * {@code serve --state}: a coordinator killed by SIGKILL mid-run and started again on the same state takes its
 * sessions back from the node daemons, which kept them for their orphan grace.
 */
class CoordinatorRestartTest extends ClusterTestBase {
    @TempDir
    Path state;

    /** Each task prints five lines, half a second apart, then sleeps: its output is all there before it ends. */
    private static String expected() {
        StringBuilder b = new StringBuilder();
        for (int t = 0; t < 4; t++) {
            for (int i = 1; i <= 5; i++) {
                b.append(t).append('.').append(i).append('\n');
            }
        }
        return b.toString();
    }

    /** Reads {@code f} from {@code offset} until {@code until} is in what was read (or EOF). */
    private static String readUntil(RemoteFid f, long offset, String until) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.UTF_8).contains(until)) {
            byte[] b = Sh.get(f.read(offset + got.size(), 8192));
            if (b.length == 0) {
                break;
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** From {@code offset} to end of file. */
    private static CompletableFuture<String> readRest(Sh sh, String path, long offset) throws Exception {
        RemoteFid f = Sh.get(sh.blocking.open(path, P9.OREAD));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return readUntil(f, offset, "\u0000never");
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private static int busy(List<String> ns, DialAddress node) {
        for (String l : ns) {
            if (l.startsWith("mount " + node + " ")) {
                return Integer.parseInt(l.replaceAll(".* busy=(\\d+) .*", "$1"));
            }
        }
        throw new AssertionError("no " + node + " in ns " + ns);
    }

    /** {@code taskfs mount --reconnect-timeout 60 ADDR DIR} in a process of its own, once it says it is ready. */
    private Process mount(DialAddress at, Path dir, Path log) throws Exception {
        Process m = new ProcessBuilder(javaBinary().toString(), "-cp", classpath(), "org.taskfs.cli.Main", "mount",
                "--reconnect-timeout", "60", at.toString(), dir.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        closeLater(() -> {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).start().waitFor(10, TimeUnit.SECONDS);
            m.destroyForcibly();
            m.waitFor(10, TimeUnit.SECONDS);
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertThat(m.isAlive()).as("taskfs mount runs: %s", Files.readString(log)).isTrue();
            return Files.readString(log).contains("taskfs mount: ready: ");
        });
        return m;
    }

    /** Whether {@code text} is "line 1" to "line K", each once and in order, for some K of at least one. */
    private static boolean countsWithoutGaps(String text) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals("line " + (i + 1))) {
                return false;
            }
        }
        return !lines.isEmpty() && text.endsWith("\n");
    }

    @Test
    void aCatOnTheFuseMountOfARunningTasksStdoutGetsEveryByteOnceAcrossACoordinatorRestart(@TempDir Path scratch)
            throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(1));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", node.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        Path dir = Files.createDirectories(scratch.resolve("mnt"));
        Path stop = scratch.resolve("stop");
        mount(at, dir, scratch.resolve("mount.log"));
        Sh sh = Sh.connect(at);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 1");
        // A line every 20 ms until told to stop: a byte lost or read twice across the restart shows in the count.
        sh.echo("/" + s + "/ctl", "exec sh -c 'i=0; while [ ! -e " + stop + " ]; do i=$((i+1)); echo line $i;"
                + " sleep 0.02; done'");
        Path out = scratch.resolve("cat.out");
        Process cat = new ProcessBuilder("cat", dir.resolve(s).resolve("stdout").toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        closeLater(cat::destroyForcibly);
        await().atMost(Sh.WAIT).until(() -> Files.size(out) > 200);

        first.kill9();
        sh.close();
        long had = Files.size(out);
        long t0 = System.nanoTime();
        closeLater(CoordinatorProcess.start(at, options));
        long started = System.nanoTime();
        // The cat reads on where it was, on the mount's new connection, the task's lines of the outage included.
        await().atMost(Sh.WAIT).pollInterval(Duration.ofMillis(5)).until(() -> Files.size(out) > had);
        long firstByte = System.nanoTime();
        System.out.printf("restart through taskfs mount: process start to serving %d ms, to the cat's first byte of"
                + " resumed output %d ms%n", (started - t0) / 1_000_000, (firstByte - t0) / 1_000_000);
        assertThat(cat.isAlive()).isTrue();
        Files.createFile(stop);
        assertThat(cat.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(cat.exitValue()).isZero();
        String got = Files.readString(out);
        assertThat(countsWithoutGaps(got)).as("every line once, in order: %s", got).isTrue();
        assertThat(got.lines().count()).isGreaterThan(had / 8);
        // All of it, as the task printed it: the same bytes read afresh from the session.
        Sh again = sh(at);
        assertThat(again.cat("/" + s + "/stdout")).isEqualTo(got);
    }

    private static List<String> pending(Sh sh) throws Exception {
        return sh.lines("/ns").stream().filter(l -> l.startsWith("pending ")).toList();
    }

    private static CompletableFuture<Void> waiting(Sh sh, String session, String res) {
        return sh.blocking.write("/" + session + "/ctl", res + "\n");
    }

    @Test
    void reservationsWaitingAtARestartKeepTheirPlacesForTheirClientsToTakeBack() throws Exception {
        NodeProcess node = closeLater(NodeProcess.start(1));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", node.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        Sh sh = Sh.connect(at);
        String holder = sh.newSession();
        sh.echo("/" + holder + "/ctl", "res 1");
        String b = sh.newSession();
        String c = sh.newSession();
        String e = sh.newSession();
        CompletableFuture<Void> bFirst = waiting(sh, b, "res 1");
        await().atMost(Sh.WAIT).until(() -> pending(sh).size() == 1);
        waiting(sh, c, "res 1");
        await().atMost(Sh.WAIT).until(() -> pending(sh).size() == 2);
        waiting(sh, e, "res 1 wait=10");
        await().atMost(Sh.WAIT).until(() -> pending(sh).size() == 3);
        List<String> before = pending(sh);

        first.kill9();
        await().atMost(Sh.WAIT).until(bFirst::isDone); // the write died with the connection
        assertThat(bFirst).isCompletedExceptionally();
        sh.close();
        closeLater(CoordinatorProcess.start(at, options));
        Sh again = sh(at);
        // Each in its place, since when it waits, held for its client.
        String held = " 'note=held since a restart: write it to ctl again to take its place'";
        assertThat(pending(again)).containsExactly(before.get(0) + held, before.get(1) + held, before.get(2) + held);
        // Not taken back, a place goes when its own wait= would have ended.
        await().atMost(Duration.ofSeconds(30)).until(() -> pending(again).size() == 2);
        assertThat(pending(again)).containsExactly(before.get(0) + held, before.get(1) + held);

        String d = again.newSession();
        CompletableFuture<Void> dWaits = waiting(again, d, "res 1");
        await().atMost(Sh.WAIT).until(() -> pending(again).size() == 3);
        // c's client writes its res again: c is back in its place, ahead of d, which came after the restart.
        CompletableFuture<Void> cAgain = waiting(again, c, "res 1");
        await().atMost(Sh.WAIT).until(() -> pending(again).get(1), before.get(1)::equals);
        assertThat(pending(again).get(0)).isEqualTo(before.get(0) + held);
        assertThat(pending(again).get(2)).startsWith("pending " + d + " ");

        // The slot frees: b's held place is passed over (nobody would take the answer), c has it, d waits on.
        again.echo("/" + holder + "/ctl", "release");
        Sh.get(cAgain);
        assertThat(again.lines("/" + c + "/status")).singleElement().asString().contains(" Closed ");
        assertThat(pending(again)).hasSize(2).first().isEqualTo(before.get(0) + held);
        assertThat(dWaits).isNotDone();
        // b's client comes back in time: its place is still ahead of d.
        CompletableFuture<Void> bAgain = waiting(again, b, "res 1");
        await().atMost(Sh.WAIT).until(() -> pending(again).get(0), before.get(0)::equals);
        again.echo("/" + c + "/ctl", "release");
        Sh.get(bAgain);
        assertThat(dWaits).isNotDone();
        again.echo("/" + b + "/ctl", "release");
        Sh.get(dWaits);
        assertThat(pending(again)).isEmpty();
    }

    @Test
    void aKilledCoordinatorRestartedOnItsStateTakesItsSessionsBack() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        NodeProcess beta = closeLater(NodeProcess.start(2));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", alpha.address().toString(), "--node",
                beta.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        Sh sh = Sh.connect(at);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 4");
        String sleep = uniqueSleep(120);
        sh.echo("/" + s + "/ctl", "exec sh -c 'for i in 1 2 3 4 5; do echo $TASKFS_INDEX.$i; sleep 0.5; done; exec "
                + sleep + "'");
        // A reader that has had task 0's first two lines when the coordinator dies.
        RemoteFid reader = Sh.get(sh.blocking.open("/" + s + "/stdout", P9.OREAD));
        String before = readUntil(reader, 0, "0.2\n");
        assertThat(expected()).startsWith(before);
        List<String> nsBefore = sh.lines("/ns");

        first.kill9();
        sh.close();
        // The nodes keep the sessions, now orphans counting down their grace.
        Sh onAlpha = sh(alpha.address());
        await().atMost(Sh.WAIT).until(() -> onAlpha.cat("/sessions").contains("held=orphan"));

        long t0 = System.nanoTime();
        closeLater(CoordinatorProcess.start(at, options));
        Sh again = sh(at);
        String ns = again.cat("/ns");
        long firstAnswer = System.nanoTime() - t0;
        System.out.printf("restart (process start to first answered request, 1 session of 4 tasks): %d ms%n",
                firstAnswer / 1_000_000);

        // The same session, its tasks running where they were, their slots counted once.
        assertThat(again.ls("/")).contains(s);
        assertThat(Sh.split(ns)).hasSize(2);
        assertThat(busy(Sh.split(ns), alpha.address())).isEqualTo(2).isEqualTo(busy(nsBefore, alpha.address()));
        assertThat(busy(Sh.split(ns), beta.address())).isEqualTo(2);
        assertThat(again.lines("/" + s + "/status")).hasSize(4).allMatch(l -> l.matches("cmd/\\d+ \\d+ Execute .* sh\\n?"));
        // Held by the new connection: the grace is over.
        assertThat(onAlpha.cat("/sessions")).contains("held=conn").doesNotContain("held=orphan");

        // The reader resumes at its offset on the new connection; others read from the start.
        CompletableFuture<String> resumed = readRest(again, "/" + s + "/stdout", before.length());
        CompletableFuture<String> stdout = again.catLater("/" + s + "/stdout");
        CompletableFuture<String> stdio = again.catLater("/" + s + "/stdio");
        CompletableFuture<String> waits = again.catLater("/" + s + "/wait");
        // Every task has printed its last line; then they are stopped, and the files end.
        RemoteFid last = Sh.get(again.blocking.open("/" + s + "/3/stdout", P9.OREAD));
        assertThat(readUntil(last, 0, "3.5\n")).isEqualTo("3.1\n3.2\n3.3\n3.4\n3.5\n");
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 4);
        again.echo("/" + s + "/ctl", "kill");

        assertThat(Sh.get(resumed)).isEqualTo(expected().substring(before.length()));
        assertThat(Sh.get(stdout)).isEqualTo(expected());
        assertThat(Sh.get(stdio)).isEqualTo(expected());
        List<String> lines = Sh.split(Sh.get(waits));
        assertThat(lines).hasSize(4);
        assertThat(lines).extracting(l -> PlanNineQuoting.tokenize(l).get(0)).containsExactlyInAnyOrder("0", "1", "2", "3");
        assertThat(lines).allMatch(l -> PlanNineQuoting.tokenize(l).get(5).equals("killed"), "killed: " + lines);
        assertThat(again.lines("/" + s + "/status")).hasSize(4).noneMatch(l -> l.contains(" Execute "));
        await().atMost(Sh.WAIT).untilAsserted(() -> {
            List<String> after = again.lines("/ns");
            assertThat(busy(after, alpha.address())).isZero();
            assertThat(busy(after, beta.address())).isZero();
        });
        // A new session gets a new number.
        assertThat(Integer.parseInt(again.newSession())).isGreaterThan(Integer.parseInt(s));
    }

    @Test
    void aNodeRestartedWhileTheCoordinatorWasDownHasItsTasksLostAtOnce() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        NodeProcess beta = closeLater(NodeProcess.start(2));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", alpha.address().toString(), "--node",
                beta.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        String s;
        String sleep = uniqueSleep(120);
        try (Sh sh = Sh.connect(at)) {
            s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 4");
            sh.echo("/" + s + "/ctl", "exec " + sleep);
            await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 4);
        }
        first.kill9();
        // Beta dies with its tasks and comes back where it was, knowing nothing of them.
        beta.kill9();
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 2);
        NodeProcess beta2 = closeLater(NodeProcess.startAt(beta.address(), 2));
        Sh onBeta = sh(beta2.address());
        assertThat(onBeta.cat("/sessions")).isEmpty();
        assertThat(onBeta.cat("/ns")).contains("busy=0");

        closeLater(CoordinatorProcess.start(at, options));
        Sh again = sh(at);
        // The first answers say so: beta's tasks Lost, alpha's running, beta's slots free.
        List<String> status = again.lines("/" + s + "/status");
        assertThat(status).hasSize(4);
        List<String> ns = again.lines("/ns");
        assertThat(status.subList(0, 2)).allMatch(l -> l.contains(" Execute "), "alpha's: " + status);
        assertThat(status.subList(2, 4)).allMatch(l -> l.matches("cmd/\\d+ \\d+ Lost .*\\n?"), "beta's: " + status);
        assertThat(busy(ns, alpha.address())).isEqualTo(2);
        assertThat(busy(ns, beta.address())).isZero();
        assertThat(again.cat("/" + s + "/3/wait")).startsWith("0 0 0 0 'node lost: ").contains("no longer knows");

        again.echo("/" + s + "/ctl", "kill");
        List<String> waits = Sh.split(again.cat("/" + s + "/wait"));
        assertThat(waits).hasSize(4);
        for (String l : waits) {
            List<String> f = PlanNineQuoting.tokenize(l);
            if (f.get(0).equals("0") || f.get(0).equals("1")) {
                assertThat(f.get(5)).isEqualTo("killed");
            } else {
                assertThat(f.get(5)).startsWith("node lost: ");
            }
        }
        // The restarted node holds nothing stale: all its slots are the coordinator's to give.
        again.echo("/" + s + "/ctl", "release");
        String t = again.newSession();
        again.echo("/" + t + "/ctl", "res 4");
        assertThat(again.lines("/" + t + "/ns")).hasSize(4);
    }

    @Test
    void aStandbyOnTheSameStateTakesOverWhenThePrimaryDies() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", alpha.address().toString()};
        CoordinatorProcess primary = closeLater(CoordinatorProcess.start(at, options));
        CoordinatorProcess standby = closeLater(CoordinatorProcess.spawn(at, options));
        await().atMost(Duration.ofSeconds(60)).until(() -> standby.stderr().contains("standing by"));
        String s;
        String sleep = uniqueSleep(120);
        try (Sh sh = Sh.connect(at)) {
            s = sh.newSession();
            sh.echo("/" + s + "/env", "ZED=1\nALPHA=two words\n");
            sh.echo("/" + s + "/ctl", "output tagged");
            sh.echo("/" + s + "/ctl", "exec sh -c 'echo up; exec " + sleep + "'");
            await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 1);
        }
        assertThat(standby.stderr()).doesNotContain("serving on");

        primary.kill9();
        standby.awaitServing(Duration.ofSeconds(60));
        Sh sh = sh(at);
        assertThat(sh.lines("/" + s + "/status")).hasSize(1).allMatch(l -> l.contains(" Execute "));
        assertThat(busy(sh.lines("/ns"), alpha.address())).isEqualTo(1);
        // Its settings as they were: the env in the order written, the output mode.
        assertThat(sh.cat("/" + s + "/env")).isEqualTo("ZED=1\nALPHA=two words\n");
        RemoteFid tagged = Sh.get(sh.blocking.open("/" + s + "/stdio", P9.OREAD));
        assertThat(new String(Sh.get(tagged.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("0: up\n");
        RemoteFid out = Sh.get(sh.blocking.open("/" + s + "/0/stdout", P9.OREAD));
        assertThat(new String(Sh.get(out.read(0, 100)), StandardCharsets.UTF_8)).isEqualTo("up\n");
        sh.echo("/" + s + "/ctl", "kill");
        assertThat(sh.cat("/" + s + "/wait")).endsWith(" killed\n");
    }

    @Test
    void whatRootCtlChangedInThePoolAndTheRootEnvSurviveARestart() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        NodeProcess beta = closeLater(NodeProcess.start(2));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", alpha.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        String alphaName;
        try (Sh sh = Sh.connect(at, ADMIN)) {
            alphaName = sh.cat("/ns").split(" ")[2];
            sh.echo("/ctl", "mount " + beta.address() + " beta slots=1");
            sh.echo("/ctl", "drain " + alphaName + " disk failing");
            sh.echo("/env", "SITE=lab one\nSCRATCH=/scratch");
        }
        first.kill9();
        CoordinatorProcess second = closeLater(CoordinatorProcess.start(at, options));
        try (Sh sh = Sh.connect(at, ADMIN)) {
            List<String> ns = sh.lines("/ns");
            assertThat(ns).hasSize(2);
            assertThat(ns.get(0)).startsWith("mount " + alpha.address() + " " + alphaName + " ")
                    .contains("state=draining").contains("reason='disk failing'");
            assertThat(ns.get(1)).startsWith("mount " + beta.address() + " beta slots=1 ").contains("state=up");
            // The root env too: what new sessions start with.
            assertThat(sh.cat("/env")).isEqualTo("SITE=lab one\nSCRATCH=/scratch\n");
            assertThat(sh.cat("/" + sh.newSession() + "/env")).isEqualTo("SITE=lab one\nSCRATCH=/scratch\n");
            sh.echo("/ctl", "unmount beta");
            sh.echo("/ctl", "undrain " + alphaName);
        }
        second.kill9();
        closeLater(CoordinatorProcess.start(at, options));
        try (Sh sh = Sh.connect(at, ADMIN)) {
            List<String> ns = sh.lines("/ns");
            assertThat(ns).hasSize(1);
            assertThat(ns.get(0)).startsWith("mount " + alpha.address() + " " + alphaName + " ").contains("state=up");
        }
    }

    @Test
    void aMemberTheCommandLineNowPutsElsewhereIsMountedThereWithWhatTheStateKeptForIt() throws Exception {
        NodeProcess old = closeLater(NodeProcess.start(2));
        NodeProcess moved = closeLater(NodeProcess.start(2));
        Path hostfile = state.resolveSibling(state.getFileName() + ".hosts");
        java.nio.file.Files.writeString(hostfile, "alpha " + old.address() + "\n");
        DialAddress at = CoordinatorProcess.freeAddress();
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, "--state", state.toString(), "--hostfile",
                hostfile.toString()));
        String s;
        try (Sh sh = Sh.connect(at, ADMIN)) {
            s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 1");
            sh.echo("/ctl", "drain alpha moving");
        }
        first.kill9();
        old.kill9();
        java.nio.file.Files.writeString(hostfile, "alpha " + moved.address() + "\n");
        closeLater(CoordinatorProcess.start(at, "--state", state.toString(), "--hostfile", hostfile.toString()));
        try (Sh sh = Sh.connect(at, ADMIN)) {
            List<String> ns = sh.lines("/ns");
            assertThat(ns).hasSize(1);
            assertThat(ns.get(0)).startsWith("mount " + moved.address() + " alpha ").contains("state=draining")
                    .contains("reason='moving'");
            // Its session there is not on the new node: its task is Lost.
            assertThat(sh.lines("/" + s + "/status")).hasSize(1).allMatch(l -> l.contains(" Lost "));
        }
    }

    @Test
    void aCoordinatorStoppedBySigtermKeepsItsSessionsForTheNextStart() throws Exception {
        NodeProcess alpha = closeLater(NodeProcess.start(2));
        DialAddress at = CoordinatorProcess.freeAddress();
        String[] options = {"--state", state.toString(), "--node", alpha.address().toString()};
        CoordinatorProcess first = closeLater(CoordinatorProcess.start(at, options));
        String s;
        String sleep = uniqueSleep(120);
        try (Sh sh = Sh.connect(at)) {
            s = sh.newSession();
            sh.echo("/" + s + "/ctl", "exec " + sleep);
            await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).size() == 1);
        }
        first.close(); // SIGTERM, as a service manager stops it
        assertThat(first.isAlive()).isFalse();
        assertThat(processesWith(markerOf(sleep))).hasSize(1);
        closeLater(CoordinatorProcess.start(at, options));
        try (Sh sh = Sh.connect(at)) {
            assertThat(sh.lines("/" + s + "/status")).hasSize(1).allMatch(l -> l.contains(" Execute "));
            sh.echo("/" + s + "/ctl", "release");
        }
        await().atMost(Sh.WAIT).until(() -> processesWith(markerOf(sleep)).isEmpty());
    }
}
