package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** Tags: unique while outstanding, and Tflush as flush(5) describes it. */
class TagRulesTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final ProbeFile slow = root.add(new ProbeFile("slow"));
    private final TestFs fs = new TestFs(root);

    {
        slow.blockReads = true;
    }

    /** A session with fid 1 open on the slow file. */
    private RawStyx sessionWithSlowFile(ServerOptions options) {
        RawStyx c = connect(serve(fs, options)).session();
        c.walkOpen(1, P9.OREAD, "slow");
        return c;
    }

    private PendingRead blockedRead(RawStyx c, int tag) {
        int before = slow.allPending.size();
        c.send(new Tmessage.Read(tag, 1, 0, 100));
        await().until(() -> slow.allPending.size() == before + 1);
        return slow.allPending.get(before);
    }

    @Test
    void reuseOfAnInFlightTagIsRefusedAndTheFirstRequestStillAnswers() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead read = blockedRead(c, 40000);
        // lib9p answers a duplicate tag the same way: an Rerror under that tag.
        assertThat(c.error(new Tmessage.Stat(40000, 0))).isEqualTo("tag 40000 is already in use");
        read.future().complete("done".getBytes());
        Rmessage r = c.receive();
        assertThat(r).isEqualTo(new Rmessage.Read(40000, "done".getBytes()));
        assertThat(c.rpc(new Tmessage.Stat(40000, 0))).as("the tag is free again").isInstanceOf(Rmessage.Stat.class);
    }

    @Test
    void flushUsingAnInFlightTagIsRefused() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead a = blockedRead(c, 40000);
        PendingRead b = blockedRead(c, 40001);
        // Otherwise tag 40000 would get an Rflush now and an Rread later: two replies to one tag.
        assertThat(c.error(new Tmessage.Flush(40000, 40001))).isEqualTo("tag 40000 is already in use");
        assertThat(b.future().isCancelled()).as("nothing was flushed").isFalse();
        a.future().complete(new byte[0]);
        b.future().complete(new byte[0]);
        assertThat(c.receive().tag()).isIn(40000, 40001);
        assertThat(c.receive().tag()).isIn(40000, 40001);
        c.assertNothingElsePending(0);
    }

    @Test
    void flushOfAnUnknownTagIsAnsweredAtOnce() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        assertThat(c.rpc(new Tmessage.Flush(c.tag(), 12345))).isInstanceOf(Rmessage.Flush.class);
        assertThat(c.rpc(new Tmessage.Flush(c.tag(), P9.NOTAG))).isInstanceOf(Rmessage.Flush.class);
        c.assertServes(0);
    }

    @Test
    void flushOfACompletedRequestIsAnsweredAndChangesNothing() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        int t = c.tag();
        c.stat(0);
        assertThat(c.rpc(new Tmessage.Flush(c.tag(), t))).isInstanceOf(Rmessage.Flush.class);
        c.assertNothingElsePending(0);
    }

    @Test
    void flushOfABlockedReadCancelsItAndItsReplyNeverComes() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead read = blockedRead(c, 40000);

        assertThat(c.rpc(new Tmessage.Flush(40001, 40000))).isInstanceOf(Rmessage.Flush.class);

        assertThat(read.future().isCancelled()).as("the node saw the cancellation").isTrue();
        c.assertNothingElsePending(0);
        assertThat(c.rpc(new Tmessage.Stat(40000, 0))).as("the flushed tag may be reused")
                .isInstanceOf(Rmessage.Stat.class);
    }

    @Test
    void flushedReadStaysUnansweredEvenIfTheNodeCompletesItLater() {
        slow.stubborn = true;
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead read = blockedRead(c, 40000);
        assertThat(c.rpc(new Tmessage.Flush(40001, 40000))).isInstanceOf(Rmessage.Flush.class);

        read.future().complete("late".getBytes());

        c.assertNothingElsePending(0);
    }

    @Test
    void flushStormIsHarmless() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead read = blockedRead(c, 40000);
        Random random = new Random(7);
        int n = 1000;
        for (int i = 0; i < n; i++) {
            // Unknown tags, the same tags again and again, NOTAG, and tags of earlier flushes;
            // none of them is the blocked read's 40000.
            int old = switch (random.nextInt(3)) {
                case 0 -> random.nextInt(30000);
                case 1 -> P9.NOTAG;
                default -> 30000 + random.nextInt(3);
            };
            int tag = 30000 + (i % 3);
            assertThat(c.rpc(new Tmessage.Flush(tag, old))).isEqualTo(new Rmessage.Flush(tag));
        }
        assertThat(read.future().isDone()).isFalse();
        read.future().complete("still here".getBytes());
        assertThat(c.receive()).isEqualTo(new Rmessage.Read(40000, "still here".getBytes()));
        c.assertServes(0);
    }

    @Test
    void pipelinedFlushStormIsHarmless() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS);
        PendingRead read = blockedRead(c, 40000);
        int n = 2000;
        for (int i = 0; i < n; i++) {
            c.queue(new Tmessage.Flush(i, 20000 + i));
        }
        c.flushQueued();
        for (int i = 0; i < n; i++) {
            assertThat(c.receive()).isEqualTo(new Rmessage.Flush(i));
        }
        assertThat(read.future().isDone()).isFalse();
        c.assertServes(0);
    }

    @Test
    void outstandingLimitGivesAClearErrorAndFlushStillWorksAtTheLimit() {
        RawStyx c = sessionWithSlowFile(ServerOptions.DEFAULTS.withMaxOutstanding(3));
        PendingRead first = blockedRead(c, 40000);
        blockedRead(c, 40001);
        blockedRead(c, 40002);

        assertThat(c.error(new Tmessage.Stat(40003, 0))).isEqualTo("too many outstanding requests (limit 3)");
        assertThat(c.error(new Tmessage.Read(40003, 1, 0, 1))).isEqualTo("too many outstanding requests (limit 3)");

        assertThat(c.rpc(new Tmessage.Flush(40004, 40000))).as("flush is not counted against the limit")
                .isInstanceOf(Rmessage.Flush.class);
        assertThat(first.future().isCancelled()).isTrue();
        c.assertServes(0);
    }
}
