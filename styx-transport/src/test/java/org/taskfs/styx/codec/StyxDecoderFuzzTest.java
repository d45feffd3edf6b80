package org.taskfs.styx.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Arbitrary bytes against the decoders. Without JAZZER_FUZZ this replays the inputs under
 * src/test/resources/org/taskfs/styx/codec/StyxDecoderFuzzTestInputs/&lt;method&gt;/ as part of the
 * normal build; with JAZZER_FUZZ=1 (one method at a time, e.g. -Dtest=StyxDecoderFuzzTest#decodeWholeFrame)
 * Jazzer explores for maxDuration.
 *
 * <p>Each target checks its output against an independent reading of the input, so "did not
 * crash" is not the only thing asserted. In both, the input's first byte picks the dialect the
 * frames are read in ({@link #dialect}), so 9P2000.u's layouts and 9P2000.L's messages are explored too.
 */
class StyxDecoderFuzzTest {

    /** The messages whose layout 9P2000.u (and so .L) changes; every other one reads alike in all dialects. */
    private static final Set<MessageType> UNIX_LAYOUTS = EnumSet.of(MessageType.TAUTH, MessageType.TATTACH,
            MessageType.TCREATE, MessageType.RERROR, MessageType.RSTAT, MessageType.TWSTAT);

    /** Byte 0 of an input: its value modulo 3 names 9P2000, .u or .L (0, 1, 2). */
    static Dialect dialect(byte b) {
        return Dialect.values()[(b & 0xff) % 3];
    }

    /**
     * After the dialect byte, the second byte steers the run: its top two bits pick the max frame size
     * (64, 128, 256 or 512, small so the fuzzer reaches the limit), its low six bits the size of each
     * read (0 = one read). The rest is the byte stream a client sends to a server.
     */
    @FuzzTest(maxDuration = "5m")
    void decodeNeverEscapes(byte[] input) {
        if (input.length < 2) {
            return;
        }
        Dialect dialect = dialect(input[0]);
        int control = input[1] & 0xff;
        int maxFrame = 64 << (control >>> 6);
        int chunk = control & 0x3f;
        byte[] stream = Arrays.copyOfRange(input, 2, input.length);

        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, maxFrame);
        decoder.dialect(dialect);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(decoder);

        List<ByteBuf> fed = new ArrayList<>();
        DecoderException failure = null;
        for (int at = 0; at < stream.length && failure == null; ) {
            int n = chunk == 0 ? stream.length : Math.min(chunk, stream.length - at);
            ByteBuf b = alloc.heapBuffer(n).writeBytes(stream, at, n);
            fed.add(b);
            at += n;
            try {
                ch.writeInbound(b);
            } catch (DecoderException e) {
                failure = e;   // anything else escapes and is a finding
            }
        }
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(o);
        }

        // Frame the stream independently and hold each output against its frame.
        int at = 0;
        int next = 0;
        Class<?> expectedFailure = null;
        while (stream.length - at >= 4) {
            long size = Integer.toUnsignedLong(Unpooled.wrappedBuffer(stream).getIntLE(at));
            if (size < P9.HEADER_SIZE) {
                expectedFailure = CorruptedFrameException.class;
                break;
            }
            if (size > maxFrame) {
                expectedFailure = TooLongFrameException.class;
                break;
            }
            if (stream.length - at < size) {
                break;
            }
            byte[] frame = Arrays.copyOfRange(stream, at, at + (int) size);
            int i = next++;
            check(i < out.size(), () -> "no output for frame " + i + ": " + Hex.of(frame));
            Object o = out.get(i);
            if (o instanceof Message m) {
                check(m instanceof Tmessage, () -> "a server decoder passed on a reply: " + m);
                byte[] again = Hex.encode(m, dialect);
                check(Arrays.equals(again, frame),
                        () -> m + " re-encodes as " + Hex.of(again) + ", was " + Hex.of(frame));
            } else if (o instanceof BadMessage bad) {
                int tag = (frame[5] & 0xff) | (frame[6] & 0xff) << 8;
                check(bad.tag() == tag, () -> bad + " for a frame tagged " + tag);
                check(bad.reason() != null && !bad.reason().isBlank(), () -> "no reason in " + bad);
            } else {
                throw new AssertionError("unexpected output " + o);
            }
            at += (int) size;
        }
        int frames = next;
        check(frames == out.size(), () -> out.size() + " outputs for " + frames + " frames");
        Class<?> expected = expectedFailure;
        DecoderException actual = failure;
        if (expected == null) {
            check(actual == null, () -> "no framing error expected, got " + actual);
            check(ch.isOpen(), () -> "closed without a framing error");
        } else {
            check(actual != null && actual.getClass() == expected, () -> "expected " + expected + ", got " + actual);
            check(!ch.isOpen(), () -> "still open after " + actual);
            check(decoder.pendingBytes() == 0, () -> decoder.pendingBytes() + " bytes held after " + actual);
        }

        ch.close();
        for (ByteBuf b : fed) {
            check(b.refCnt() == 0, () -> "input buffer not released");
        }
        check(alloc.metric().usedHeapMemory() == 0, () -> alloc.metric().usedHeapMemory() + " bytes leaked");
    }

    /**
     * After the dialect byte, the input is a frame whose size field is corrected to its length, so every
     * input reaches the message parser. It must produce a message that re-encodes in that dialect to
     * exactly the frame, or a StyxCodecException carrying the frame's tag; nothing else.
     */
    @FuzzTest(maxDuration = "5m")
    void decodeWholeFrame(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Dialect dialect = dialect(input[0]);
        byte[] rest = Arrays.copyOfRange(input, 1, input.length);
        if (rest.length < P9.HEADER_SIZE || Unpooled.wrappedBuffer(rest).getIntLE(0) != rest.length) {
            expectNotAWholeFrame(rest, dialect);
            if (rest.length < P9.HEADER_SIZE) {
                return;
            }
        }
        byte[] frame = rest;
        frame[0] = (byte) frame.length;
        frame[1] = (byte) (frame.length >>> 8);
        frame[2] = (byte) (frame.length >>> 16);
        frame[3] = (byte) (frame.length >>> 24);
        Message m = decodeOrNull(frame, dialect);
        if (m == null) {
            return;
        }
        check(m.type().code() == (frame[4] & 0xff) && MessageType.of(frame[4] & 0xff, dialect) == m.type(),
                () -> m + " from a frame of type " + (frame[4] & 0xff) + " in " + dialect);
        check(StyxWire.size(m, dialect) == frame.length,
                () -> "size() " + StyxWire.size(m, dialect) + " for " + frame.length + " in " + dialect);
        byte[] again = Hex.encode(m, dialect);
        check(Arrays.equals(again, frame),
                () -> m + " re-encodes in " + dialect + " as " + Hex.of(again) + ", was " + Hex.of(frame));
        // A layout .u leaves alone reads the same wherever its type exists.
        if (!UNIX_LAYOUTS.contains(m.type())) {
            for (Dialect other : Dialect.values()) {
                if (other != dialect && MessageType.of(m.type().code(), other) != null) {
                    Message there = decodeOrNull(frame, other);
                    check(m.equals(there), () -> m + " in " + dialect + " but " + there + " in " + other);
                }
            }
        }
    }

    /** The message, or null for a StyxCodecException under the frame's tag; anything else escapes. */
    private static Message decodeOrNull(byte[] frame, Dialect dialect) {
        try {
            return StyxWire.decode(Unpooled.wrappedBuffer(frame), dialect);
        } catch (StyxCodecException e) {
            int tag = (frame[5] & 0xff) | (frame[6] & 0xff) << 8;
            check(e.tag() == tag, () -> "tag " + e.tag() + " for a frame tagged " + tag);
            check(e.getMessage() != null && !e.getMessage().isBlank(), () -> "no message");
            return null;
        }
    }

    private static void expectNotAWholeFrame(byte[] input, Dialect dialect) {
        try {
            StyxWire.decode(Unpooled.wrappedBuffer(input), dialect);
        } catch (IllegalArgumentException expected) {
            return;
        }
        throw new AssertionError("decoded something that is not a whole frame: " + Hex.of(input));
    }

    /** Plain checks: AssertJ's descriptions cost more than the decoding in a fuzzing loop. */
    private static void check(boolean ok, Supplier<String> why) {
        if (!ok) {
            throw new AssertionError(why.get());
        }
    }
}
