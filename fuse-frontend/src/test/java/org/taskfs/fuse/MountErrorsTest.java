package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;

/**
 * What a user of a mounted node sees when the server refuses a request: the errno its words stand for in the
 * shell's message, the words themselves in the session's {@code err} and in the mount's log.
 */
class MountErrorsTest extends MountTestBase {
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

    Path mnt;
    Path log;
    String s;

    @BeforeEach
    void mountANodeWithALog() throws Exception {
        NodeDaemon node = closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(2).withScratch(scratchDir())));
        log = scratchDir().resolve("mount.log");
        FuseMount m = mount(node.address(), FuseMount.Options.defaults().withLog(log));
        assertThat(m.log()).isEqualTo(log);
        mnt = m.dir();
        s = sh(mnt, "cat clone").output();
        assertThat(s).matches("\\d+");
    }

    @Test
    void aLogThatHoldsSomethingOutlivesTheMountAndAnEmptyOneDoesNot() throws Exception {
        fails("echo exce ls > ctl");
        FuseMount quiet = mount(closeLater(NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(1).withScratch(scratchDir()))).address(), FuseMount.Options.defaults()
                .withLog(scratchDir().resolve("quiet.log")));
        assertThat(sh(quiet.dir(), "cat clone").output()).matches("\\d+");
        assertThat(quiet.log()).exists();
        quiet.close();
        assertThat(quiet.log()).doesNotExist();
        // The first mount's refusal is kept for the user to read after the mount has gone.
        assertThat(Files.readString(log)).contains("unknown control message \"exce ls\"");
    }

    /** Runs {@code script} with bash in the session's directory; it must fail, and its messages are returned. */
    private String fails(String script) throws Exception {
        Run r = bash(mnt.resolve(s), script);
        assertThat(r.exit()).as("%s should fail: %s", script, r.output()).isNotZero();
        return r.output();
    }

    @Test
    void eachRefusalHasTheErrnoOfItsKindAndTheServersWordsAreInErrAndTheLog() throws Exception {
        assertThat(fails("echo exce ls > ctl")).contains("Invalid argument");
        assertThat(fails("echo res abc > ctl")).contains("Invalid argument");
        assertThat(fails("echo input bogus > ctl")).contains("Invalid argument");
        assertThat(fails("echo res 3 > ctl")).contains("Resource temporarily unavailable");
        assertThat(sh(mnt.resolve(s), "echo res 1 > ctl && echo exec sleep 1000 > ctl").exit()).isZero();
        assertThat(fails("echo exec true > ctl")).contains("Device or resource busy");
        assertThat(fails("echo xsplice 7 0 > ctl")).contains("No such file or directory");
        assertThat(fails("echo hi > status")).contains("Permission denied");
        // A program's own write sees the same errno.
        assertThatThrownBy(() -> Files.writeString(mnt.resolve(s).resolve("ctl"), "exce ls\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("Invalid argument");

        List<String> err = Files.readAllLines(mnt.resolve(s).resolve("err"));
        String at = "/" + s;
        assertThat(err).hasSize(8);
        assertThat(err.get(0)).matches(TIME + " " + at + "/ctl: unknown control message \"exce ls\"");
        assertThat(err.get(1)).matches(TIME + " " + at + "/ctl: res: bad count \"abc\"; expected a number 0 or more");
        assertThat(err.get(2)).matches(TIME + " " + at + "/ctl: input: unknown mode \"bogus\"; use one of .*");
        assertThat(err.get(3)).matches(TIME + " " + at + "/ctl: res: not enough capacity: asked 3, 2 slots in the pool .*");
        assertThat(err.get(4)).matches(TIME + " " + at + "/ctl: device or object already in use");
        assertThat(err.get(5)).matches(TIME + " " + at + "/ctl: no task 7 in session " + s);
        assertThat(err.get(6)).matches(TIME + " " + at + "/status: permission denied.*");
        assertThat(err.get(7)).matches(TIME + " " + at + "/ctl: unknown control message \"exce ls\"");

        // The mount's log has the same words, with the operation.
        await().until(() -> Files.readString(log).contains("write " + at + "/ctl: no task 7"));
        String logged = Files.readString(log);
        assertThat(logged.lines()).anyMatch(l -> l.matches(TIME + " write " + at
                + "/ctl: unknown control message \"exce ls\""));
        assertThat(logged).contains("write " + at + "/ctl: device or object already in use")
                .contains("write " + at + "/ctl: res: not enough capacity: asked 3")
                .containsPattern("open " + at + "/status: permission denied");
    }

    @Test
    void aTaskDirectorysErrHasWhatWasRefusedOnThatTasksFiles() throws Exception {
        assertThat(sh(mnt.resolve(s), "echo res 2 > ctl").exit()).isZero();
        assertThat(fails("echo res 1 > 1/ctl")).contains("Invalid argument");
        assertThat(fails("echo exec /nonexistent/x > 0/ctl")).contains("No such file or directory");

        assertThat(Files.readAllLines(mnt.resolve(s).resolve("1/err"))).singleElement().asString()
                .matches(TIME + " /" + s + "/1/ctl: res: a command for the whole session; .*");
        assertThat(Files.readAllLines(mnt.resolve(s).resolve("0/err"))).singleElement().asString()
                .matches(TIME + " /" + s + "/0/ctl: .*exec failed: /nonexistent/x: No such file or directory");
        assertThat(Files.readAllLines(mnt.resolve(s).resolve("err"))).hasSize(2);
    }
}
