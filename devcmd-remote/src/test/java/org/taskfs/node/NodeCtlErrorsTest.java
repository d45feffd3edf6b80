package org.taskfs.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.ClientOptions;
import org.taskfs.styx.client.RemoteFid;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.codec.P9;

/**
 * Each malformed ctl write gets a precise error (devcmd's text where devcmd has one), changes nothing, and the
 * daemon goes on serving.
 */
class NodeCtlErrorsTest extends NodeTestBase {

    private String id;

    @BeforeEach
    void task() throws Exception {
        id = newTask();
    }

    @AfterEach
    void daemonStillServes() throws Exception {
        assertStillServing();
        // The task the bad command went to is unharmed too.
        ctl(id, "exec echo fine");
        assertThat(follow(id + "/stdout")).isEqualTo("fine\n");
    }

    private String refused(String command) throws Exception {
        return refused(command.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code data} as one write to the task's ctl and returns the Rerror. */
    private String refused(byte[] data) throws Exception {
        return rerror(c.write(id + "/ctl", data));
    }

    @Test
    void emptyWrite() throws Exception {
        assertThat(refused("")).isEqualTo("empty control message");
    }

    @Test
    void onlyANewline() throws Exception {
        assertThat(refused("\n")).isEqualTo("empty control message");
    }

    @Test
    void unknownVerb() throws Exception {
        assertThat(refused("frobnicate\n")).isEqualTo("unknown control message \"frobnicate\"");
    }

    @Test
    void unknownVerbIsQuotedWithItsArguments() throws Exception {
        assertThat(refused("frob 'a b' c\n")).isEqualTo("unknown control message \"frob 'a b' c\"");
    }

    @Test
    void dirWithoutArguments() throws Exception {
        assertThat(refused("dir\n")).isEqualTo("wrong #args in control message \"dir\"");
    }

    @Test
    void dirWithTwoArguments() throws Exception {
        assertThat(refused("dir a b\n")).isEqualTo("wrong #args in control message \"dir a b\"");
    }

    @Test
    void execWithoutACommand() throws Exception {
        assertThat(refused("exec\n")).isEqualTo("wrong #args in control message \"exec\"");
    }

    @Test
    void killWithAnUnknownSignal() throws Exception {
        ctl(id, "exec sleep 1000");
        assertThat(refused("kill NOSUCHSIG\n")).contains("unknown signal \"NOSUCHSIG\"").contains("TERM");
        // The process was not signalled by the refused command.
        assertThat(text(id + "/status")).contains(" Execute ");
        ctl(id, "kill KILL");
        assertThat(waitLine(id)).endsWith(" killed\n");
    }

    @Test
    void killWithAnOutOfRangeSignalNumber() throws Exception {
        assertThat(refused("kill 99\n")).contains("unknown signal \"99\"");
    }

    @Test
    void negativeNice() throws Exception {
        assertThat(refused("nice -3\n")).isEqualTo("nice: bad niceness \"-3\"; expected a number 0 or more");
    }

    @Test
    void aNicenessAboveNineteen() throws Exception {
        assertThat(refused("nice 100\n")).isEqualTo("nice: bad niceness \"100\"; expected a number from 0 to 19");
    }

    @Test
    void nonNumericNice() throws Exception {
        assertThat(refused("nice x\n")).isEqualTo("nice: bad niceness \"x\"; expected a number 0 or more");
    }

    @Test
    void reservingMoreThanTheFreeSlots() throws Exception {
        // The node has 4 slots; the task the test made holds one.
        assertThat(refused("res 4 wait=0\n")).isEqualTo("res: not enough capacity: asked 4, 3 free slots (Linux amd64)");
    }

    @Test
    void reservingAnotherOs() throws Exception {
        assertThat(refused("res 1 Plan9 386\n")).isEqualTo("res: not enough capacity: asked 1, 0 slots in the pool (Plan9 386)");
    }

    @Test
    void aHundredKilobyteWriteIsTooLong() throws Exception {
        try (StyxClient big = connect(ClientOptions.defaults().withMsize(P9.MAX_MSIZE))) {
            byte[] data = new byte[100 * 1024];
            Arrays.fill(data, (byte) 'x');
            System.arraycopy("exec echo ".getBytes(StandardCharsets.UTF_8), 0, data, 0, 10);
            String error = rerror(big.write(id + "/ctl", data));
            assertThat(error).startsWith("control message too long: 102400 bytes");
        }
    }

    @Test
    void nulBytes() throws Exception {
        assertThat(refused(new byte[] {'e', 'x', 'e', 'c', ' ', 'a', 0, 'b', '\n'}))
                .isEqualTo("control message contains a NUL byte at offset 6");
    }

    @Test
    void invalidUtf8() throws Exception {
        assertThat(refused(new byte[] {'d', 'i', 'r', ' ', (byte) 0xff, (byte) 0xfe, '\n'}))
                .isEqualTo("control message is not valid UTF-8 text");
    }

    @Test
    void junkOnTheCloneFidDoesNotBreakIt() throws Exception {
        RemoteFid clone = get(c.open("clone", P9.ORDWR));
        String other = new String(get(clone.read(0, 64)), StandardCharsets.UTF_8);
        assertThat(rerror(clone.write(0, new byte[] {0, 0, 0}))).contains("NUL");
        get(clone.write(0, "exec echo ok\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(follow(other + "/stdout")).isEqualTo("ok\n");
        get(clone.clunk());
    }
}
