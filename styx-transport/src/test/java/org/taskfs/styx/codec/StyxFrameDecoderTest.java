package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StyxFrameDecoderTest {
    private static ResourceLeakDetector.Level previousLevel;

    @BeforeAll
    static void trackEveryBuffer() {
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restoreLeakLevel() {
        ResourceLeakDetector.setLevel(previousLevel);
    }

    /**
     * Unpooled and instrumented: its metric counts the bytes of every live buffer it handed out, the
     * decoder's cumulation included, so "nothing held" can be checked exactly rather than via GC.
     */
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final List<ByteBuf> fed = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void nothingLeaked() {
        for (EmbeddedChannel ch : channels) {
            ch.close();
            Object m;
            while ((m = ch.readInbound()) != null) {
                assertThat(m).isNotInstanceOf(ByteBuf.class);
            }
        }
        for (ByteBuf b : fed) {
            assertThat(b.refCnt()).as("reference count of an input buffer").isZero();
        }
        assertThat(alloc.metric().usedHeapMemory()).as("heap bytes still held").isZero();
        assertThat(alloc.metric().usedDirectMemory()).as("direct bytes still held").isZero();
    }

    private EmbeddedChannel channel(StyxFrameDecoder decoder) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(decoder);
        channels.add(ch);
        return ch;
    }

    private EmbeddedChannel server() {
        return channel(new StyxFrameDecoder(true, 8192));
    }

    private void feed(EmbeddedChannel ch, byte[] bytes) {
        ByteBuf b = alloc.heapBuffer(bytes.length).writeBytes(bytes);
        fed.add(b);
        ch.writeInbound(b);
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add(m);
        }
        return out;
    }

    private static byte[] frames(Message... ms) {
        byte[][] parts = new byte[ms.length][];
        for (int i = 0; i < ms.length; i++) {
            parts[i] = Hex.encode(ms[i]);
        }
        return Hex.concat(parts);
    }

    // ---------------------------------------------------------------- framing

    @Test
    void messageFedOneByteAtATimeDecodesOnce() {
        Tmessage m = new Tmessage.Walk(3, 1, 2, List.of("usr", "glenda", "lib"));
        byte[] frame = Hex.encode(m);
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, 8192);
        EmbeddedChannel ch = channel(decoder);
        for (int i = 0; i < frame.length; i++) {
            feed(ch, new byte[] {frame[i]});
            if (i < frame.length - 1) {
                assertThat((Object) ch.readInbound()).as("after %d of %d bytes", i + 1, frame.length).isNull();
                assertThat(decoder.pendingBytes()).isEqualTo(i + 1);
            }
        }
        assertThat(drain(ch)).containsExactly(m);
        assertThat(decoder.pendingBytes()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void severalMessagesInOneBuffer() {
        Message[] ms = {
            new Tmessage.Version(P9.NOTAG, 8192, P9.VERSION),
            new Tmessage.Attach(0, 0, P9.NOFID, "glenda", ""),
            new Tmessage.Walk(1, 0, 1, List.of()),
            new Tmessage.Write(2, 1, 0, new byte[] {0, 1, 2}),
            new Tmessage.Clunk(3, 1),
        };
        EmbeddedChannel ch = server();
        feed(ch, frames(ms));
        assertThat(drain(ch)).containsExactly((Object[]) ms);
    }

    /** Every way of cutting a two-frame stream into three reads yields the same two messages. */
    @Test
    void streamSplitAtEveryPairOfPositions() {
        Message[] ms = {
            new Tmessage.Write(7, 1, Long.MIN_VALUE, new byte[] {0, (byte) 0xff, 0}),
            new Tmessage.Stat(8, 1),
        };
        byte[] stream = frames(ms);
        for (int i = 0; i <= stream.length; i++) {
            for (int j = i; j <= stream.length; j++) {
                EmbeddedChannel ch = server();
                for (byte[] part : List.of(Arrays.copyOfRange(stream, 0, i), Arrays.copyOfRange(stream, i, j),
                        Arrays.copyOfRange(stream, j, stream.length))) {
                    if (part.length > 0) {
                        feed(ch, part);
                    }
                }
                assertThat(drain(ch)).as("split at %d and %d", i, j).containsExactly((Object[]) ms);
                ch.finish();
            }
        }
    }

    @Test
    void truncatedFrameAtEndOfStreamIsDroppedWithoutLeaking() {
        byte[] frame = Hex.encode(new Tmessage.Walk(3, 1, 2, List.of("a", "b")));
        EmbeddedChannel ch = server();
        feed(ch, Hex.concat(Hex.encode(new Tmessage.Clunk(1, 1)), Arrays.copyOf(frame, frame.length - 1)));
        assertThat(ch.finish()).isTrue();
        assertThat(drain(ch)).containsExactly(new Tmessage.Clunk(1, 1));
    }

    // ---------------------------------------------------------------- framing errors

    @ParameterizedTest(name = "size {0}")
    @ValueSource(ints = {0, 1, 4, 6})
    void sizeSmallerThanTheHeaderClosesTheConnection(int size) {
        EmbeddedChannel ch = server();
        // A valid message first: it is still delivered, the bad size after it is not.
        feed(ch, Hex.encode(new Tmessage.Clunk(1, 1)));
        assertThatThrownBy(() -> feed(ch, Hex.concat(Hex.le32(size), Hex.bytes("78 02 00 01 00 00 00"))))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("size " + size)
                .hasMessageContaining("7-byte header");
        assertThat(ch.isOpen()).isFalse();
        assertThat(drain(ch)).containsExactly(new Tmessage.Clunk(1, 1));
    }

    /**
     * Only the size field is sent: the decoder must refuse at once rather than wait for (and gather)
     * 4 GiB, and must let go of what it holds, since the stream can no longer be followed.
     */
    @Test
    void giantSizeIsRefusedFromTheHeaderAlone() {
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, 8192);
        EmbeddedChannel ch = channel(decoder);
        assertThatThrownBy(() -> feed(ch, Hex.bytes("ff ff ff ff")))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("4294967295")
                .hasMessageContaining("8192");
        assertThat(ch.isOpen()).isFalse();
        assertThat(decoder.pendingBytes()).isZero();
        assertThat(alloc.metric().usedHeapMemory()).as("bytes held after the refusal").isZero();
        assertThat(drain(ch)).isEmpty();
    }

    /**
     * On a real socket, reads already under way can reach the decoder after it has asked for the
     * close. They must be dropped: before this was fixed they were appended to a cumulation that
     * could never drain, so a peer could grow it without bound.
     */
    @Test
    void nothingIsGatheredAfterAFramingError() {
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, 8192);
        List<String> closeRequests = new ArrayList<>();
        EmbeddedChannel ch = channel(decoder);
        // In front of the decoder: notes the decoder's close and holds it back, so it stays in the pipeline.
        ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
                if (closeRequests.isEmpty()) {
                    closeRequests.add("close");
                    return;
                }
                super.close(ctx, promise);
            }
        });
        assertThatThrownBy(() -> feed(ch, Hex.bytes("ff ff ff ff 64 00 00 01 02 03")))
                .isInstanceOf(TooLongFrameException.class);
        assertThat(closeRequests).containsExactly("close");

        feed(ch, new byte[1000]);
        feed(ch, Hex.encode(new Tmessage.Clunk(1, 1)));
        assertThat(decoder.pendingBytes()).isZero();
        assertThat(alloc.metric().usedHeapMemory()).as("bytes held").isZero();
        assertThat(drain(ch)).as("nothing decoded from a stream out of step").isEmpty();
    }

    @Test
    void frameOfExactlyTheLimitPassesAndOneMoreIsRefused() {
        int limit = 300;
        Tmessage atLimit = new Tmessage.Write(1, 1, 0, new byte[limit - 23]);
        assertThat(StyxWire.size(atLimit)).isEqualTo(limit);
        EmbeddedChannel ok = channel(new StyxFrameDecoder(true, limit));
        feed(ok, Hex.encode(atLimit));
        assertThat(drain(ok)).containsExactly(atLimit);

        Tmessage overLimit = new Tmessage.Write(1, 1, 0, new byte[limit - 22]);
        EmbeddedChannel refused = channel(new StyxFrameDecoder(true, limit));
        assertThatThrownBy(() -> feed(refused, Arrays.copyOf(Hex.encode(overLimit), 4)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("301")
                .hasMessageContaining("300");
        assertThat(refused.isOpen()).isFalse();
    }

    @Test
    void maxFrameSizeChangesTheLimitForLaterFrames() {
        Tmessage big = new Tmessage.Write(1, 1, 0, new byte[1000]);
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, 256);
        EmbeddedChannel ch = channel(decoder);
        feed(ch, Hex.encode(new Tmessage.Version(P9.NOTAG, 8192, P9.VERSION)));
        // What a server does once Rversion has settled msize.
        decoder.maxFrameSize(8192);
        assertThat(decoder.maxFrameSize()).isEqualTo(8192);
        feed(ch, Hex.encode(big));
        assertThat(drain(ch)).containsExactly(new Tmessage.Version(P9.NOTAG, 8192, P9.VERSION), big);

        decoder.maxFrameSize(512);
        assertThatThrownBy(() -> feed(ch, Hex.encode(big)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("exceeds msize 512");
    }

    // ---------------------------------------------------------------- bad messages in good frames

    @Test
    void replySentToAServerBecomesBadMessage() {
        EmbeddedChannel ch = server();
        feed(ch, Hex.encode(new Rmessage.Version(0x1234, 8192, P9.VERSION)));
        assertThat(drain(ch)).containsExactly(new BadMessage(0x1234, "unexpected reply RVERSION sent to a server"));
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void malformedRequestBecomesBadMessageAndTheStreamStaysInStep() {
        byte[] walk17 = Hex.bytes("""
                11 00 00 00   6e   07 00          # Twalk, tag 7
                01 00 00 00   02 00 00 00         # fid, newfid
                11 00                             # nwname = 17 (and no names: refused on the count)
                """);
        byte[] unknown = Hex.bytes("09 00 00 00  63  08 00  aa bb   # type 99, tag 8");
        byte[] badUtf8 = Hex.bytes("""
                13 00 00 00   72   09 00          # Tcreate, tag 9, size 19
                01 00 00 00   01 00 ff            # fid, name = one byte that is never UTF-8
                00 00 00 00   00                  # perm, mode
                """);
        Tmessage clunk = new Tmessage.Clunk(10, 1);
        EmbeddedChannel ch = server();
        feed(ch, Hex.concat(walk17, unknown, badUtf8, Hex.encode(clunk)));
        List<Object> out = drain(ch);
        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isEqualTo(new BadMessage(7, "Twalk: walk of 17 names; at most 16 are allowed"));
        assertThat(out.get(1)).isEqualTo(new BadMessage(8, "unknown message type 99"));
        assertThat(out.get(2)).isEqualTo(new BadMessage(9, "Tcreate: name is not valid UTF-8"));
        assertThat(out.get(3)).isEqualTo(clunk);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void clientDecodesRepliesAndRefusesRequests() {
        EmbeddedChannel ch = channel(new StyxFrameDecoder(false, 8192));
        Rmessage reply = new Rmessage.Read(4, new byte[] {1, 0, 2});
        feed(ch, Hex.encode(reply));
        assertThat(drain(ch)).containsExactly(reply);

        assertThatThrownBy(() -> feed(ch, Hex.encode(new Tmessage.Version(P9.NOTAG, 8192, P9.VERSION))))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessage("unexpected request TVERSION sent to a client");
        assertThatThrownBy(() -> feed(ch, Hex.bytes("0b 00 00 00  75  04 00  09 00 00 00   # Rread, count 9 of 0")))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessage("bad reply: Rread: data count 9 runs past the end of the message");
    }

    @Test
    void finishReleasesEverythingFed() {
        EmbeddedChannel ch = server();
        byte[] stream = frames(new Tmessage.Flush(1, 0), new Tmessage.Read(2, 1, 0, 100),
                new Rmessage.Clunk(3));
        for (int i = 0; i < stream.length; i += 5) {
            feed(ch, Arrays.copyOfRange(stream, i, Math.min(stream.length, i + 5)));
        }
        feed(ch, Hex.bytes("20 00 00"));   // the start of a frame that never completes
        assertThat(ch.finish()).isTrue();
        assertThat(drain(ch)).hasSize(3);
        // nothingLeaked() then checks every input's reference count and the allocator's books.
    }
}
