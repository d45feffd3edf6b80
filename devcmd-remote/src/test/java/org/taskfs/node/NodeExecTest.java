package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.codec.P9;

/** exec: real processes, their output, exit lines and states, and what shapes a run (args, env, dir, nice). */
class NodeExecTest extends NodeTestBase {

    private static final String WAIT_LINE = "(\\d+) (\\d+) (\\d+) (\\d+) (.*)";

    @Test
    void hostnamePrintsThisHostsName() throws Exception {
        Process reference = new ProcessBuilder("hostname").start();
        String expected = new String(reference.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(reference.waitFor()).isZero();

        String id = newTask();
        ctl(id, "exec hostname");
        assertThat(follow(id + "/stdout")).isEqualTo(expected).endsWith("\n").isNotBlank();
        assertThat(waitLine(id)).matches("\\d+ \\d+ \\d+ \\d+ ''\n");
    }

    @Test
    void exitCodeStdoutStderrWaitAndStatus() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'echo out; echo err >&2; exit 3'");
        assertThat(follow(id + "/stdout")).isEqualTo("out\n");
        assertThat(follow(id + "/stderr")).isEqualTo("err\n");
        String wait = waitLine(id);
        assertThat(wait).matches(WAIT_LINE + "\n").endsWith(" 'exit: 3'\n");
        String[] f = wait.split(" ");
        assertThat(Integer.parseInt(f[0])).isPositive();
        for (int i = 1; i <= 3; i++) {
            assertThat(Long.parseLong(f[i])).isNotNegative();
        }
        assertThat(text(id + "/status")).matches("cmd/" + id + " \\d+ Done \\S+ sh\n");
    }

    @Test
    void realTimeIsMeasured() throws Exception {
        String id = newTask();
        ctl(id, "exec sleep 0.2");
        String[] f = waitLine(id).split(" ");
        assertThat(Long.parseLong(f[3])).isBetween(150L, 20_000L);
    }

    @Test
    void execOnADoneTaskStartsANewRun() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'echo first; exit 1'");
        String firstWait = waitLine(id);
        assertThat(follow(id + "/stdout")).isEqualTo("first\n");
        assertThat(firstWait).endsWith(" 'exit: 1'\n");

        ctl(id, "exec echo second");
        assertThat(follow(id + "/stdout")).isEqualTo("second\n");
        String secondWait = waitLine(id);
        assertThat(secondWait).endsWith(" ''\n");
        assertThat(secondWait.split(" ")[0]).isNotEqualTo(firstWait.split(" ")[0]);
        assertThat(text(id + "/status")).contains(" Done ").endsWith(" echo\n");
    }

    @Test
    void execWhileRunningIsRefused() throws Exception {
        String id = newTask();
        ctl(id, "exec sleep 1000");
        assertThat(rerror(ctlAsync(id, "exec echo no"))).isEqualTo("device or object already in use");
        assertThat(text(id + "/status")).contains(" Execute ").endsWith(" sleep\n");
        ctl(id, "kill");
        assertThat(waitLine(id)).endsWith(" killed\n");
    }

    @Test
    void execOfAMissingBinaryFailsWithTheReason() throws Exception {
        String id = newTask();
        assertThat(rerror(ctlAsync(id, "exec nope"))).isEqualTo("task 0: exec failed: nope: No such file or directory");
        assertThat(text(id + "/status")).contains(" Fail ").endsWith(" nope\n");
        assertThat(waitLine(id)).isEqualTo("0 0 0 0 'exec failed: nope: No such file or directory'\n");
        // Nothing is half-done: the task can still run something.
        ctl(id, "exec echo recovered");
        assertThat(follow(id + "/stdout")).isEqualTo("recovered\n");
    }

    @Test
    void aFailedExecLeavesItsFailureAsTheRunsWaitLine() throws Exception {
        String id = newTask();
        assertThat(rerror(ctlAsync(id, "exec nope"))).startsWith("task 0: exec failed: nope");
        CompletableFuture<String> wait = blocking.readString(id + "/0/wait");
        CompletableFuture<byte[]> out = blocking.readAll(id + "/stdout");
        assertThat(get(wait)).isEqualTo("0 0 0 0 'exec failed: nope: No such file or directory'\n");
        assertThat(get(out)).isEmpty();
    }

    @Test
    void argsLinesAreAppendedToTheNextExec() throws Exception {
        String id = newTask();
        get(c.write(id + "/args", "a\n"));
        get(c.write(id + "/args", "b c\n"));
        // One line per task: what it has pending, in the order written.
        assertThat(text(id + "/args")).isEqualTo("a b c\n");
        ctl(id, "exec echo x");
        assertThat(follow(id + "/stdout")).isEqualTo("x a b c\n");
        assertThat(text(id + "/args")).isEqualTo("\n"); // used up by that exec
    }

    @Test
    void envLinesReachTheProcess() throws Exception {
        String id = newTask();
        get(c.write(id + "/env", "FOO=bar\n"));
        get(c.write(id + "/env", "SPACED=a b  c\n"));
        assertThat(text(id + "/env")).isEqualTo("FOO=bar\nSPACED=a b  c\n");
        ctl(id, "exec sh -c 'echo \"$FOO|$SPACED\"'");
        assertThat(follow(id + "/stdout")).isEqualTo("bar|a b  c\n");
    }

    @Test
    void rootEnvReachesEveryLaterTaskAndTaskEnvOverridesIt() throws Exception {
        get(c.write("env", "ROOTVAR=fromroot\nOVER=root\n"));
        assertThat(text("env")).isEqualTo("ROOTVAR=fromroot\nOVER=root\n");
        String a = newTask();
        String b = newTask();
        get(c.write(b + "/env", "OVER=task\n"));
        ctl(a, "exec sh -c 'echo $ROOTVAR $OVER'");
        ctl(b, "exec sh -c 'echo $ROOTVAR $OVER'");
        assertThat(follow(a + "/stdout")).isEqualTo("fromroot root\n");
        assertThat(follow(b + "/stdout")).isEqualTo("fromroot task\n");
    }

    @Test
    void aBadRootEnvLineIsRefusedAndLeavesTheFileUsable() throws Exception {
        RemoteFid env = get(c.open("env", P9.OWRITE));
        byte[] first = "A=1\n".getBytes(StandardCharsets.UTF_8);
        get(env.write(0, first));
        assertThat(rerror(env.write(first.length, "no equals sign\n".getBytes(StandardCharsets.UTF_8))))
                .contains("expected NAME=value");
        // The refused line is not kept: the writer carries on at the same offset, as a shell would.
        assertThat(get(env.write(first.length, "B=2\n".getBytes(StandardCharsets.UTF_8)))).isEqualTo(4);
        get(env.clunk());
        assertThat(text("env")).isEqualTo("A=1\nB=2\n");
    }

    @Test
    void theProcessGetsTaskfsVariables() throws Exception {
        String id = newTask();
        ctl(id, "exec sh -c 'echo $TASKFS_TASK $TASKFS_SESSION $TASKFS_INDEX $TASKFS_SIZE $TASKFS_ADDR'");
        assertThat(follow(id + "/stdout"))
                .isEqualTo("/" + id + "/0 /" + id + " 0 1 " + daemon.address() + "\n");
    }

    @Test
    void dirSetsTheWorkingDirectory() throws Exception {
        String id = newTask();
        ctl(id, "dir /tmp");
        ctl(id, "exec pwd");
        assertThat(follow(id + "/stdout")).isEqualTo("/tmp\n");
        assertThat(text(id + "/status")).contains(" /tmp pwd\n");
    }

    @Test
    void dirScratchRunsTheProcessInItsPrivateScratchDirectory() throws Exception {
        String id = newTask();
        ctl(id, "dir scratch");
        ctl(id, "exec pwd");
        assertThat(follow(id + "/stdout")).isEqualTo(scratch.resolve(id).toRealPath() + "\n");
    }

    @Test
    void dirThatDoesNotExistFailsTheExec() throws Exception {
        String id = newTask();
        ctl(id, "dir /no/such/dir");
        assertThat(rerror(ctlAsync(id, "exec pwd"))).isEqualTo("task 0: can't chdir to /no/such/dir: No such file or directory");
        assertThat(text(id + "/status")).contains(" Fail ");
    }

    @Test
    void niceSetsTheNiceness() throws Exception {
        String id = newTask();
        ctl(id, "nice 5");
        ctl(id, "exec nice"); // coreutils nice with no command prints the niceness it runs at
        assertThat(follow(id + "/stdout")).isEqualTo("5\n");

        String other = newTask();
        ctl(other, "exec sh -c 'cut -d\" \" -f19 /proc/$$/stat'");
        assertThat(follow(other + "/stdout")).isEqualTo(ownNiceness() + "\n");
    }

    private static String ownNiceness() throws Exception {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16];
    }

    @Test
    void nsNamesTheTaskOnThisNode() throws Exception {
        String id = newTask();
        assertThat(text(id + "/ns")).isEqualTo("bind " + daemon.address() + "!/" + id + "/0 0\n");
        assertThat(text(id + "/0/ns")).isEqualTo("bind " + daemon.address() + "!/" + id + "/0 .\n");
    }

    private void awaitRefs(String id, int refs) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(TIMEOUT_S)).untilAsserted(() ->
                assertThat(text(id + "/status")).startsWith("cmd/" + id + " " + refs + " "));
    }
}
