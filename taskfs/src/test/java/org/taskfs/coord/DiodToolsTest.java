package org.taskfs.coord;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.testing.Host;
import org.taskfs.styx.testing.PrivateMunged;

/**
 * diod's own 9P2000.L tools (Debian's diod package) against a node daemon and a coordinator: what a site that
 * runs diod already has. diodls lists with Treaddir and Tgetattr, diodcat reads with Tlopen and prints every
 * Rread as it comes; with MUNGE, the tools write their credential to the afid as they do for diod.
 */
class DiodToolsTest extends ClusterTestBase {

    record Tool(int exit, String out, String err) {}

    /** Runs a diod tool against {@code at} with an empty aname (the tree's root) and a timeout of its own. */
    static Tool diod(DialAddress at, int seconds, String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool, "-s", at.host() + ":" + at.port(), "-a", "", "-t",
                String.valueOf(seconds)));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static Tool run(List<String> cmd) throws Exception {
        Path err = Files.createTempFile("diod", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("did not end: " + cmd);
            }
            return new Tool(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void diodlsListsTheRootAndASessionOfTheNodeAndTheCoordinator() throws Exception {
        LocalCluster c = cluster(2, 4);
        for (DialAddress at : List.of(c.address(), c.nodes().get(0).address())) {
            Tool root = diod(at, 10, "diodls", "-l");
            assertThat(root.exit()).as("%s: %s", at, root.err()).isZero();
            assertThat(names(root.out())).as("root of %s", at)
                    .endsWith("clone", "ctl", "arch", "status", "ns", "env", "sessions");
            assertThat(root.out()).contains("-rw-rw-rw-").contains(" clone\n").contains(" 0 ");

            Sh sh = sh(at);
            String s = sh.newSession();
            sh.echo("/" + s + "/ctl", "res 2");
            Tool session = diod(at, 10, "diodls", "-l", s);
            assertThat(session.exit()).as(session.err()).isZero();
            assertThat(names(session.out())).as("session %s of %s", s, at).startsWith("0", "1", "ctl", "stdio")
                    .contains("wait", "err");
            assertThat(session.out()).containsPattern("(?m)^dr-x.* 0$");
        }
    }

    @Test
    void diodcatReadsWhatTheTasksPrintedAndSaysWhatIsMissing() throws Exception {
        LocalCluster c = cluster(2, 2);
        Sh sh = sh(c);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 2");
        sh.echo("/" + s + "/ctl", "exec echo one two");
        assertThat(sh.cat("/" + s + "/stdout")).isEqualTo("one two\none two\n");

        Tool out = diod(c.address(), 10, "diodcat", s + "/stdout", s + "/1/stdout", "arch");
        assertThat(out.exit()).as(out.err()).isZero();
        assertThat(out.out()).startsWith("one two\none two\none two\n").contains("Linux");

        Tool missing = diod(c.address(), 10, "diodcat", s + "/7/stdout");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("open " + s + "/7/stdout: No such file or directory");
    }

    @Test
    void diodcatPrintsARunningTasksOutputAsItComes() throws Exception {
        LocalCluster c = cluster(1, 1);
        Sh sh = sh(c);
        String s = sh.newSession();
        sh.echo("/" + s + "/ctl", "res 1");
        sh.echo("/" + s + "/ctl", "exec sh -c 'echo started; exec " + uniqueSleep(60) + "'");
        // The task never ends: diodcat gives up after 3 s, having printed what there was.
        Tool live = diod(c.address(), 3, "diodcat", s + "/0/stdout");
        assertThat(live.out()).isEqualTo("started\n");
        assertThat(live.err()).contains("timed out");
        assertThat(live.exit()).isEqualTo(1);
    }

    @Test
    void withMungeTheToolsAuthenticateAsDiodsDoAndAFalseUidIsRefused() throws Exception {
        Host.assumeRoot();
        Host.ensureUser("tfdiod");
        try (PrivateMunged munged = PrivateMunged.start()) {
            NodeProcess node = closeLater(NodeProcess.start(1, "--auth", "munge=" + munged.socket));
            // libmunge has no socket option: the private munged is put where it looks, in a namespace of the tools' own.
            String bind = "mkdir -p /run/munge && mount --bind " + munged.socket.getParent() + " /run/munge && ";
            String at = node.address().host() + ":" + node.address().port();
            Tool own = run(List.of("unshare", "-m", "sh", "-c", bind
                    + "runuser -u tfdiod -- diodcat -s " + at + " -a '' -t 10 clone"));
            assertThat(own.exit()).as(own.err()).isZero();
            String session = own.out().strip();
            Tool listed = run(List.of("unshare", "-m", "sh", "-c", bind
                    + "runuser -u tfdiod -- diodls -l -s " + at + " -a '' -t 10 " + session));
            assertThat(listed.exit()).as(listed.err()).isZero();
            assertThat(listed.out()).contains(" tfdiod ");

            Tool claim = run(List.of("unshare", "-m", "sh", "-c", bind
                    + "runuser -u tfdiod -- diodcat -u 0 -s " + at + " -a '' -t 10 arch"));
            assertThat(claim.exit()).isEqualTo(1);
            assertThat(claim.err()).contains("error attaching").contains("Permission denied");
            assertThat(claim.out()).isEmpty();
            node.close();
        }
    }

    private static List<String> names(String listing) {
        List<String> names = new ArrayList<>();
        for (String line : listing.split("\n")) {
            if (!line.isBlank()) {
                names.add(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return names;
    }
}
