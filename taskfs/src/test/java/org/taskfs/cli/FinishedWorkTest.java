package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.taskfs.coord.Sh;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.dial.DialAddress;

/**
 * Finished work holds nothing scarce: thousands of finished, unreleased sessions on one node, through a
 * coordinator, more than a member connection has fids (4096) and more than either daemon has descriptors
 * ({@code ulimit -n 1024}), leave the other sessions' tasks running and every new request answered.
 */
class FinishedWorkTest {
    private static final int SESSIONS = 4500;
    private static final int DESCRIPTORS = 1024;
    private static final Duration START = Duration.ofSeconds(60);

    private final List<TaskfsProcess> processes = new ArrayList<>();
    private final List<Path> jars = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        for (Path j : jars) {
            Files.deleteIfExists(j);
        }
    }

    private TaskfsProcess limited(String... args) throws Exception {
        return limited(DESCRIPTORS, args);
    }

    private TaskfsProcess limited(int descriptors, String... args) throws Exception {
        // The limit is the daemon's own, set by the shell that execs it, as an operator's ulimit would be.
        TaskfsProcess p = TaskfsProcess.start(List.of("sh", "-c", "ulimit -n " + descriptors + " && exec \"$@\"", "sh"),
                installedClasspath(), Map.of(), args);
        processes.add(p);
        return p;
    }

    @Test
    void thousandsOfFinishedSessionsLeaveOtherTasksAndNewRequestsAlone() throws Exception {
        TaskfsProcess node = limited("node", "--listen", "tcp!127.0.0.1!0", "--slots", "16");
        String nodeAt = node.await(Pattern.compile("taskfs node: serving on (\\S+) "), START).group(1);
        TaskfsProcess coordinator = limited("serve", "--listen", "tcp!127.0.0.1!0", "--node", nodeAt);
        String at = coordinator.await(Pattern.compile("taskfs serve: serving on (\\S+) "), START).group(1);
        long nodePid = pidOf(node);
        long coordinatorPid = pidOf(coordinator);

        try (Sh sh = Sh.connect(DialAddress.parse(at, 0))) {
            // Someone else's long job, running while the rest come and go.
            String job = sh.newSession();
            sh.echo("/" + job + "/ctl", "res 1");
            sh.echo("/" + job + "/ctl", "exec cat");
            RemoteFid jobIn = sh.open("/" + job + "/stdin", P9.OWRITE);
            Sh.get(jobIn.write(0, "before\n".getBytes(StandardCharsets.UTF_8)));

            List<String> waits = finishedSessions(sh.blocking, SESSIONS);
            assertThat(waits).hasSize(SESSIONS).allMatch(l -> l.endsWith(" ''"), "a clean exit");

            // The daemons hold about what they held before: nothing per finished session.
            assertThat(descriptors(coordinatorPid)).as("coordinator descriptors").isLessThan(200);
            assertThat(descriptors(nodePid)).as("node descriptors").isLessThan(200);
            assertThat(sh.cat("/ns")).as("the member").contains("state=up");

            // The long job was untouched: it runs, takes input and ends as it should.
            assertThat(sh.cat("/" + job + "/status")).contains(" Execute ");
            Sh.get(jobIn.write(7, "after\n".getBytes(StandardCharsets.UTF_8)));
            Sh.get(jobIn.clunk());
            assertThat(sh.cat("/" + job + "/stdout")).isEqualTo("before\nafter\n");
            assertThat(sh.cat("/" + job + "/wait")).endsWith(" ''\n");

            // A new session, and an old finished one run again, are served as on the first day.
            String fresh = sh.newSession();
            sh.echo("/" + fresh + "/ctl", "res 1");
            sh.echo("/" + fresh + "/ctl", "exec echo fresh");
            assertThat(sh.cat("/" + fresh + "/stdout")).isEqualTo("fresh\n");
            String old = "1";
            sh.echo("/" + old + "/ctl", "exec echo again");
            assertThat(sh.cat("/" + old + "/stdout")).isEqualTo("again\n");
        }
    }

    @Test
    void aCoordinatorOutOfDescriptorsAnswersEveryRequestAtOnceAndRecovers() throws Exception {
        TaskfsProcess node = TaskfsProcess.start("node", "--listen", "tcp!127.0.0.1!0", "--slots", "400");
        processes.add(node);
        String nodeAt = node.await(Pattern.compile("taskfs node: serving on (\\S+) "), START).group(1);
        TaskfsProcess coordinator = limited(160, "serve", "--listen", "tcp!127.0.0.1!0", "--node", nodeAt);
        String at = coordinator.await(Pattern.compile("taskfs serve: serving on (\\S+) "), START).group(1);

        try (Sh sh = Sh.connect(DialAddress.parse(at, 0))) {
            List<String> running = new ArrayList<>();
            String limit = null;
            // Jobs that print more than a copy keeps in memory and go on running: each keeps its output copy's
            // file open on the coordinator.
            for (int i = 0; i < 400 && limit == null; i++) {
                try {
                    String s = sh.newSession();
                    sh.echo("/" + s + "/ctl", "res 1");
                    sh.echo("/" + s + "/ctl", "exec sh -c 'head -c 100000 /dev/zero; exec sleep 600'");
                    running.add(s);
                    byte[] last = Sh.get(sh.blocking.open("/" + s + "/stdout", P9.OREAD)
                            .thenCompose(f -> f.read(99_999, 16).whenComplete((b, e) -> f.clunk())));
                    if (last.length == 0) {
                        // Its output could not be kept: it was stopped, and its wait line says why.
                        limit = sh.cat("/" + s + "/wait");
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    limit = e.getCause().getMessage();
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError("session " + running.size() + ": no answer; the coordinator said:\n"
                            + coordinator.output(), e);
                }
            }
            assertThat(limit).as("the limit was reached, and said so").isNotNull().contains("Too many open files");

            // Freed descriptors are used again: the coordinator serves as before.
            for (String s : running) {
                sh.echo("/" + s + "/ctl", "release");
            }
            String fresh = sh.newSession();
            sh.echo("/" + fresh + "/ctl", "res 1");
            sh.echo("/" + fresh + "/ctl", "exec echo fresh");
            assertThat(sh.cat("/" + fresh + "/stdout")).isEqualTo("fresh\n");
            assertThat(sh.cat("/ns")).contains("state=up");
        }
    }

    /**
     * The test's classpath with every directory of classes (this module's, and in a reactor build those of the
     * modules it uses) in a jar, as installed. A class first needed at the limit (an error path's) must load
     * without a descriptor: from a directory each class is a file to open, while a jar is one descriptor,
     * opened at start.
     */
    private String installedClasspath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path classes = Path.of(e);
            entries.add(Files.isDirectory(classes) ? jarOf(classes).toString() : e);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private Path jarOf(Path classes) throws Exception {
        Path jar = Files.createTempFile("taskfs-classes-", ".jar");
        jars.add(jar);
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             var files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** {@code n} sessions of one task that ran {@code true}, left unreleased; their wait lines. */
    private static List<String> finishedSessions(StyxClient c, int n) throws Exception {
        Semaphore inFlight = new Semaphore(8);
        List<CompletableFuture<String>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            CompletableFuture<String> one = c.open("/clone", P9.ORDWR).thenCompose(ctl -> ctl.read(0, 32)
                    .thenCompose(b -> {
                        String s = new String(b, StandardCharsets.UTF_8);
                        return ctl.write(0, utf8("res 1")).thenCompose(x -> ctl.write(0, utf8("exec true")))
                                .thenCompose(x -> c.readString("/" + s + "/wait"));
                    }).whenComplete((w, e) -> ctl.clunk()));
            one.whenComplete((w, e) -> inFlight.release());
            all.add(one);
        }
        Sh.get(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])), Duration.ofMinutes(5));
        List<String> waits = new ArrayList<>();
        for (CompletableFuture<String> w : all) {
            waits.add(w.join().strip());
        }
        return waits;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long descriptors(long pid) throws Exception {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        }
    }

    /** The JVM's pid: the shell exec'd it, so the process started is the daemon itself. */
    private static long pidOf(TaskfsProcess p) {
        return p.pid();
    }
}
