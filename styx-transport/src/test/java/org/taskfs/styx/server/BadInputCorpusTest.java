package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.MessageType;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxEncoder;
import org.taskfs.styx.codec.StyxFrameDecoder;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/**
 * The bad-input corpus of reference/anchors.md §4.9, items 1–9. Each test abuses one connection
 * while a bystander connection, opened first, must keep being served.
 */
class BadInputCorpusTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final ProbeFile ctl = root.add(new ProbeFile("ctl"));
    private final ProbeFile slow = root.add(new ProbeFile("slow"));
    private final Directory dir = root.add(new Directory("dir", 0777));
    private final TestFs fs = new TestFs(root);

    {
        slow.blockReads = true;
        for (int i = 0; i < 20; i++) {
            dir.add(new ProbeFile("entry-" + i));
        }
    }

    private StyxServer server;
    private RawStyx bystander;

    private RawStyx start(ServerOptions options) {
        server = serve(fs, options);
        bystander = connect(server).session();
        bystander.walkOpen(1, P9.OREAD, "ctl");
        return connect(server);
    }

    /**
     * A server whose slow-sender guard never fires during a test, so a connection it closes was closed by the rule
     * under test, however slow the machine.
     */
    private RawStyx start() {
        return start(ServerOptions.DEFAULTS.withPartialFrameTimeout(Duration.ofHours(1)));
    }

    /** The bystander still gets answers: a stat, and a read through its open fid. */
    private void bystanderIsServed() {
        bystander.assertServes(0);
        assertThat(bystander.read(1, 0, 10)).isEmpty();
    }

    /** A frame built by hand: size[4] type[1] tag[2] and the body as given. */
    private static byte[] frame(int type, int tag, Consumer<ByteBuf> body) {
        ByteBuf b = Unpooled.buffer();
        b.writeIntLE(0);
        b.writeByte(type);
        b.writeShortLE(tag);
        body.accept(b);
        b.setIntLE(0, b.readableBytes());
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    private static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** Closed by the server; the wait is only a hang guard. */
    private void assertClosedByServer(RawStyx c) {
        await().atMost(Duration.ofSeconds(30)).until(c::isClosedByServer);
    }

    // ---------------------------------------------------------------- 1. framing

    @Test
    void item1_frameSizesOutOfRangeCloseTheConnectionAndNothingElse() {
        RawStyx idle = start();
        // Each connection sends only the 4-byte size (plus a little): with the slow-sender guard out of
        // the way, being closed at all shows the server neither waited for nor allocated the bytes the
        // size promised.
        for (long size : new long[] {0, 4, 6, 0xFFFFFFFFL, 0x80000000L, 8193}) {
            RawStyx abuser = connect(server);
            if (size == 8193) {
                abuser.session(); // msize 8192 negotiated: one byte more is too much
            }
            abuser.sendBytes(le32(size));
            abuser.sendBytes(new byte[] {(byte) 116, 1, 0});
            assertClosedByServer(abuser);
            bystanderIsServed();
        }
        await().until(() -> server.connectionCount() == 2); // the bystander and the idle one
        idle.session().assertServes(0);
    }

    @Test
    void item1_frameLargerThanAllowedBeforeVersionClosesTheConnection() {
        RawStyx abuser = start();
        abuser.sendBytes(le32(P9.MAX_MSIZE));
        assertClosedByServer(abuser);
        bystanderIsServed();
    }

    @Test
    void item1_requestsAheadOfABadFrameInTheSameWriteAreStillAnswered() {
        RawStyx abuser = start();
        abuser.queue(new Tmessage.Version(P9.NOTAG, 8192, P9.VERSION));
        abuser.queue(new Tmessage.Attach(1, 0, P9.NOFID, "glenda", ""));
        abuser.queue(new Tmessage.Stat(2, 0));
        abuser.queueBytes(le32(0xFFFFFFFFL));
        abuser.flushQueued();
        assertThat(abuser.receive()).isInstanceOf(Rmessage.Version.class);
        assertThat(abuser.receive()).isInstanceOf(Rmessage.Attach.class);
        assertThat(abuser.receive()).isInstanceOf(Rmessage.Stat.class);
        assertClosedByServer(abuser);
        bystanderIsServed();
    }

    @Test
    void item1_partialFrameIsClosedAfterTheTimeout() {
        RawStyx abuser = start(ServerOptions.DEFAULTS.withPartialFrameTimeout(Duration.ofMillis(300)));
        abuser.session();
        byte[] stat = RawStyx.encode(new Tmessage.Stat(9, 0));
        abuser.sendBytes(Arrays.copyOf(stat, 6));
        bystanderIsServed(); // while the partial frame sits there
        assertClosedByServer(abuser);
        bystanderIsServed();
    }

    /** One connection on an {@link EmbeddedChannel}, whose clock moves only when the test says so. */
    private EmbeddedChannel embeddedConnection(Duration partialFrameTimeout) {
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, StyxFrameDecoder.PRE_VERSION_LIMIT);
        EmbeddedChannel ch = new EmbeddedChannel(decoder, StyxEncoder.INSTANCE, new StyxConnection(fs,
                ServerOptions.DEFAULTS.withPartialFrameTimeout(partialFrameTimeout),
                new ConnectionInfo(1, "embedded", OptionalInt.empty()), decoder));
        ch.freezeTime();
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void item1_partialFrameIsClosedAtTheTimeoutAndNotAtTheFirstCheck() {
        EmbeddedChannel ch = embeddedConnection(Duration.ofMillis(300));
        byte[] stat = RawStyx.encode(new Tmessage.Stat(9, 0));
        ch.writeInbound(Unpooled.wrappedBuffer(stat, 0, 6));

        // The check runs every timeout/2 and wants two strikes in a row.
        advance(ch, 150);
        assertThat(ch.isOpen()).as("open after one check, half the timeout").isTrue();
        advance(ch, 150);
        assertThat(ch.isOpen()).as("closed once the timeout has passed").isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void item1_aFrameFinishedWithinTheTimeoutIsAnsweredAndTheCountStartsAfresh() {
        EmbeddedChannel ch = embeddedConnection(Duration.ofMillis(300));
        byte[] stat = RawStyx.encode(new Tmessage.Stat(9, 0));
        ch.writeInbound(Unpooled.wrappedBuffer(stat, 0, 6));
        advance(ch, 150);
        ch.writeInbound(Unpooled.wrappedBuffer(stat, 6, stat.length - 6));

        ByteBuf reply = ch.readOutbound();
        assertThat(reply).as("the completed frame was answered").isNotNull();
        reply.release();
        advance(ch, 450);
        assertThat(ch.isOpen()).as("no partial frame, no strikes").isTrue();

        // A new partial frame gets the whole timeout again, not what was left of the last one.
        ch.writeInbound(Unpooled.wrappedBuffer(stat, 0, 6));
        advance(ch, 150);
        assertThat(ch.isOpen()).isTrue();
        advance(ch, 150);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void item1_frameDribbledAByteAtATimeIsClosedToo() {
        RawStyx abuser = start(ServerOptions.DEFAULTS.withPartialFrameTimeout(Duration.ofMillis(300)));
        abuser.session();
        byte[] write = RawStyx.encode(new Tmessage.Write(9, 0, 0, new byte[4000]));
        int[] sent = {0};
        // Slowloris: bytes keep coming, a frame never completes. Each poll sends one more byte.
        // Well under the timeout between bytes, and even the hang guard ends long before the frame could.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            try {
                abuser.sendBytes(new byte[] {write[sent[0]++]});
            } catch (UncheckedIOException e) {
                return true;
            }
            return abuser.isClosedByServer();
        });
        assertThat(sent[0]).isLessThan(write.length);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 2. message types

    @Test
    void item2_unknownTypesAndRepliesAreAnsweredWithRerrorUnderTheirTag() {
        RawStyx abuser = start();
        abuser.session();
        for (int type : new int[] {0, 99, 106, 128, 255}) {
            abuser.sendBytes(frame(type, 500 + type, b -> b.writeIntLE(0)));
            assertThat(abuser.receive()).isEqualTo(new Rmessage.Error(500 + type, "unknown message type " + type));
        }
        for (MessageType t : new MessageType[] {MessageType.RVERSION, MessageType.RREAD, MessageType.RERROR,
                MessageType.RWSTAT}) {
            abuser.sendBytes(frame(t.code(), 77, b -> b.writeIntLE(0)));
            assertThat(abuser.receive()).isEqualTo(
                    new Rmessage.Error(77, "unexpected reply " + t.name() + " sent to a server"));
        }
        // Even before Tversion, and even a reply whose body is garbage.
        RawStyx fresh = connect(server);
        fresh.sendBytes(frame(MessageType.RREAD.code(), 3, b -> b.writeIntLE(999)));
        assertThat(fresh.receive()).isEqualTo(new Rmessage.Error(3, "unexpected reply RREAD sent to a server"));
        abuser.assertServes(0);
        fresh.session().assertServes(0);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 3. version

    @Test
    void item3_versionProblems() {
        RawStyx abuser = start();
        assertThat(abuser.error(new Tmessage.Stat(1, 0))).isEqualTo(Errors.NOT_VERSIONED);
        assertThat(abuser.error(new Tmessage.Version(P9.NOTAG, 255, P9.VERSION))).contains("too small");
        assertThat(abuser.version(-1).msize()).as("absurd msize capped").isEqualTo(P9.MAX_MSIZE);
        assertThat(abuser.ok(new Tmessage.Version(P9.NOTAG, 8192, "9P1999"), Rmessage.Version.class).version())
                .isEqualTo("unknown");
        abuser.session();
        abuser.walkOpen(1, P9.OREAD, "ctl");
        abuser.walkOpen(2, P9.OREAD, "slow");
        abuser.send(new Tmessage.Read(40000, 2, 0, 10));
        await().until(() -> slow.pending.size() == 1);

        abuser.version(8192);

        assertThat(ctl.clunks.get()).as("only the abuser's fid was clunked").isEqualTo(1);
        assertThat(slow.clunks.get()).isEqualTo(1);
        assertThat(slow.pending.peek().future().isCancelled()).isTrue();
        bystanderIsServed();
        abuser.attach(0);
        abuser.assertNothingElsePending(0);
    }

    // ---------------------------------------------------------------- 4. strings and names

    @Test
    void item4_badStringsAndNames() {
        RawStyx abuser = start();
        abuser.session();
        // A name whose length runs past the end of the message.
        abuser.sendBytes(frame(MessageType.TWALK.code(), 41, b -> {
            b.writeIntLE(0).writeIntLE(1).writeShortLE(1);
            b.writeShortLE(50).writeBytes("abc".getBytes());
        }));
        assertThat(abuser.receive()).isEqualTo(new Rmessage.Error(41, "Twalk: wname runs past the end of the message"));
        abuser.sendBytes(frame(MessageType.TATTACH.code(), 42, b -> {
            b.writeIntLE(5).writeIntLE(P9.NOFID).writeShortLE(0xFFFF);
        }));
        assertThat(abuser.receive())
                .isEqualTo(new Rmessage.Error(42, "Tattach: uname runs past the end of the message"));
        // Invalid UTF-8: a lone continuation byte and a truncated sequence.
        for (byte[] name : new byte[][] {{(byte) 0x80}, {'a', (byte) 0xC3}, {(byte) 0xFF, (byte) 0xFE}}) {
            abuser.sendBytes(frame(MessageType.TWALK.code(), 43, b -> {
                b.writeIntLE(0).writeIntLE(1).writeShortLE(1);
                b.writeShortLE(name.length).writeBytes(name);
            }));
            assertThat(abuser.receive()).isEqualTo(new Rmessage.Error(43, "Twalk: wname is not valid UTF-8"));
        }
        // Trailing bytes after a complete message.
        abuser.sendBytes(frame(MessageType.TCLUNK.code(), 44, b -> b.writeIntLE(77).writeByte(0)));
        Rmessage trailing = abuser.receive();
        assertThat(trailing.tag()).isEqualTo(44);
        assertThat(((Rmessage.Error) trailing).ename()).endsWith("has 1 trailing bytes");

        Tmessage.Walk nul = new Tmessage.Walk(45, 0, 1, List.of("ct\0l"));
        assertThat(abuser.error(nul)).isEqualTo(Errors.BAD_NAME + ": \"ct\\0l\"");
        assertThat(abuser.error(new Tmessage.Walk(46, 0, 1, List.of("dir/entry-1")))).startsWith(Errors.BAD_NAME);
        assertThat(abuser.error(new Tmessage.Walk(47, 0, 1, List.of(".")))).startsWith(Errors.BAD_NAME);
        assertThat(abuser.walk(0, 1, "..")).as(".. at the root is the root").containsExactly(root.qid());
        assertThat(abuser.error(new Tmessage.Walk(48, 0, 2, List.of("x".repeat(256)))))
                .startsWith(Errors.NAME_TOO_LONG);
        assertThat(abuser.error(new Tmessage.Create(49, 1, "a\0b", 0644, P9.OREAD))).startsWith(Errors.BAD_NAME);
        assertThat(abuser.error(new Tmessage.Wstat(50, 1, Dir.dontTouch().withName("x/y"))))
                .startsWith(Errors.BAD_NAME);
        abuser.assertServes(0);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 5. walk

    @Test
    void item5_walkRules() {
        RawStyx abuser = start();
        abuser.session();
        assertThat(abuser.error(new Tmessage.Walk(60, 0, 1, Collections.nCopies(17, "dir"))))
                .isEqualTo("Twalk: walk of 17 names; at most 16 are allowed");
        // nwname of 0xFFFF with no names at all: refused before anything is read or allocated.
        abuser.sendBytes(frame(MessageType.TWALK.code(), 61, b -> b.writeIntLE(0).writeIntLE(1).writeShortLE(0xFFFF)));
        assertThat(abuser.receive()).isEqualTo(
                new Rmessage.Error(61, "Twalk: walk of 65535 names; at most 16 are allowed"));
        abuser.walkOpen(1, P9.OREAD, "ctl");
        assertThat(abuser.error(new Tmessage.Walk(62, 1, 2, List.of()))).isEqualTo(Errors.WALK_OPEN);
        abuser.walk(0, 2, "dir");
        assertThat(abuser.error(new Tmessage.Walk(63, 0, 2, List.of("ctl")))).isEqualTo(Errors.FID_IN_USE);
        assertThat(abuser.walk(2, 2, "entry-3")).as("newfid == fid is allowed").hasSize(1);
        abuser.assertServes(2);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 6. tags

    @Test
    void item6_tagRules() {
        RawStyx abuser = start();
        abuser.session();
        abuser.walkOpen(1, P9.OREAD, "slow");
        abuser.send(new Tmessage.Read(70, 1, 0, 10));
        await().until(() -> slow.pending.size() == 1);
        PendingRead read = slow.pending.peek();
        assertThat(abuser.error(new Tmessage.Stat(70, 0))).isEqualTo("tag 70 is already in use");
        assertThat(abuser.rpc(new Tmessage.Flush(71, 9999))).isEqualTo(new Rmessage.Flush(71));
        int done = abuser.tag();
        abuser.stat(0);
        assertThat(abuser.rpc(new Tmessage.Flush(72, done))).as("flush of a completed tag")
                .isEqualTo(new Rmessage.Flush(72));
        for (int i = 0; i < 500; i++) {
            abuser.queue(new Tmessage.Flush(1000 + i, 5000 + i));
        }
        abuser.flushQueued();
        for (int i = 0; i < 500; i++) {
            assertThat(abuser.receive()).isEqualTo(new Rmessage.Flush(1000 + i));
        }
        bystanderIsServed(); // during the storm's aftermath, with the read still blocked
        assertThat(abuser.rpc(new Tmessage.Flush(73, 70))).isEqualTo(new Rmessage.Flush(73));
        assertThat(read.future().isCancelled()).isTrue();
        abuser.assertNothingElsePending(0);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 7. fids

    @Test
    void item7_fidProblems() {
        RawStyx abuser = start(ServerOptions.DEFAULTS.withMaxFids(8));
        abuser.session();
        for (int fid = 1; fid < 8; fid++) {
            abuser.walk(0, fid);
        }
        assertThat(abuser.error(new Tmessage.Walk(80, 0, 8, List.of()))).isEqualTo("too many fids (limit 8)");
        bystanderIsServed(); // the limit is per connection: the bystander is not affected
        bystander.walk(0, 2);
        bystander.walk(0, 3);
        assertThat(abuser.error(new Tmessage.Clunk(81, 100))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(abuser.error(new Tmessage.Remove(82, 100))).isEqualTo(Errors.UNKNOWN_FID);
        abuser.clunk(7);
        assertThat(abuser.error(new Tmessage.Stat(83, 7))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(abuser.error(new Tmessage.Clunk(84, 7))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(abuser.error(new Tmessage.Attach(85, 7, 0, "glenda", ""))).isEqualTo(Errors.NOT_AUTH_FID);
        assertThat(abuser.error(new Tmessage.Auth(86, 7, "glenda", ""))).isEqualTo(Errors.NO_AUTH);
        assertThat(abuser.error(new Tmessage.Auth(87, P9.NOFID, "glenda", ""))).contains("NOFID");
        assertThat(abuser.error(new Tmessage.Attach(88, P9.NOFID, P9.NOFID, "glenda", ""))).contains("NOFID");
        abuser.assertServes(0);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 8. counts and offsets

    @Test
    void item8_countsAndOffsets() {
        RawStyx abuser = start();
        abuser.session();
        abuser.walkOpen(1, P9.ORDWR, "ctl");
        int iounit = 8192 - P9.IOHDRSZ;
        // diod #136: a count near UINT32_MAX must not wrap around into something small.
        for (long count : new long[] {iounit + 1L, 0xFFFFFFFFL, 0xFFFFFFFFL - P9.IOHDRSZ + 1}) {
            assertThat(abuser.error(new Tmessage.Read(90, 1, 0, (int) count)))
                    .isEqualTo("read count " + count + " exceeds the iounit " + iounit);
        }
        // A Twrite whose count claims more data than the frame carries.
        abuser.sendBytes(frame(MessageType.TWRITE.code(), 91, b -> {
            b.writeIntLE(1).writeLongLE(0).writeIntLE(-P9.IOHDRSZ).writeBytes("abc".getBytes());
        }));
        assertThat(abuser.receive()).isEqualTo(
                new Rmessage.Error(91, "Twrite: data count 4294967272 runs past the end of the message"));
        assertThat(abuser.error(new Tmessage.Read(92, 1, Long.MIN_VALUE, 1))).contains("out of range");
        assertThat(abuser.error(new Tmessage.Write(93, 1, Long.MAX_VALUE, new byte[1]))).contains("out of range");
        assertThat(ctl.reads.get() + ctl.writes.get()).as("none reached the node").isZero();

        abuser.walkOpen(2, P9.OREAD, "dir");
        byte[] first = abuser.read(2, 0, 200);
        assertThat(abuser.error(new Tmessage.Read(94, 2, first.length - 1, 200))).isEqualTo(Errors.BAD_DIR_OFFSET);
        assertThat(abuser.error(new Tmessage.Write(95, 2, 0, "x".getBytes()))).isEqualTo(Errors.IS_DIR);
        abuser.assertServes(2);
        bystanderIsServed();
    }

    // ---------------------------------------------------------------- 9. create, wstat, remove

    @Test
    void item9_createWstatAndRemoveOnASyntheticTree() {
        RawStyx abuser = start();
        abuser.session();
        abuser.walk(0, 1);
        // A synthetic directory creates nothing, whatever the bits.
        for (int perm : new int[] {P9.DMDIR | 0755, P9.DMAPPEND | 0644, P9.DMEXCL | 0644, 0644}) {
            int mode = (perm & P9.DMDIR) != 0 ? P9.OREAD : P9.ORDWR;
            assertThat(abuser.error(new Tmessage.Create(100, 1, "new", perm, mode))).isEqualTo(Errors.PERMISSION);
        }
        // Special files are refused by the framework before the node is asked.
        for (int special : new int[] {0x02000000, 0x00800000, 0x00200000, 0x00100000}) {
            assertThat(abuser.error(new Tmessage.Create(101, 1, "dev", special | 0644, P9.OREAD)))
                    .contains("are not supported");
        }
        assertThat(abuser.error(new Tmessage.Create(102, 1, "d", P9.DMDIR | 0755, P9.ORDWR)))
                .isEqualTo("cannot create a directory open for writing");

        abuser.walk(0, 2, "ctl");
        assertThat(abuser.error(new Tmessage.Wstat(103, 2, Dir.dontTouch().withMode(P9.DMDIR | 0644))))
                .isEqualTo("wstat cannot change whether a file is a directory");
        assertThat(abuser.error(new Tmessage.Wstat(104, 2, Dir.dontTouch().withMode(P9.DMAPPEND | 0644))))
                .isEqualTo(Errors.PERMISSION);
        assertThat(abuser.error(new Tmessage.Wstat(105, 2, Dir.dontTouch().withMode(P9.DMEXCL | 0644))))
                .isEqualTo(Errors.PERMISSION);
        assertThat(abuser.error(new Tmessage.Wstat(106, 2, Dir.dontTouch().withMode(0x00800000 | 0644))))
                .contains("are not supported");
        assertThat(abuser.error(new Tmessage.Remove(107, 2))).isEqualTo(Errors.PERMISSION);
        assertThat(abuser.error(new Tmessage.Stat(108, 2))).as("clunked by the remove").isEqualTo(Errors.UNKNOWN_FID);
        abuser.assertServes(0);
        bystanderIsServed();
    }
}
