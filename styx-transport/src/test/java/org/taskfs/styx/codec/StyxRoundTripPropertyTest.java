package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random valid messages survive encode → decode unchanged; seeds are fixed so runs are repeatable. */
class StyxRoundTripPropertyTest {

    @Test
    void twentyThousandMessagesRoundTrip() {
        RandomMessages gen = new RandomMessages(0x9F2000L);
        Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        for (int i = 0; i < 20_000; i++) {
            Message m = gen.next();
            seen.add(m.type());
            byte[] frame = Hex.encode(m);
            assertThat(StyxWire.size(m)).as("size() of case %d, %s", i, m).isEqualTo(frame.length);
            assertThat(Integer.toUnsignedLong(Unpooled.wrappedBuffer(frame).getIntLE(0)))
                    .as("size field of case %d", i).isEqualTo(frame.length);
            Message decoded = Hex.decode(frame);
            assertThat(decoded).as("case %d", i).isEqualTo(m);
            assertThat(Hex.encode(decoded)).as("re-encoding of case %d", i).isEqualTo(frame);
        }
        assertThat(seen).isEqualTo(EnumSet.complementOf(EnumSet.of(MessageType.TERROR)));
    }

    /** The same messages through the frame decoders, the stream cut into reads of random length. */
    @Test
    void randomStreamThroughTheFrameDecoders() {
        RandomMessages gen = new RandomMessages(42);
        List<Object> requests = new ArrayList<>();
        List<Object> replies = new ArrayList<>();
        ByteArrayOutputStream requestBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream replyBytes = new ByteArrayOutputStream();
        for (int i = 0; i < 2_000; i++) {
            Tmessage t = gen.request();
            requests.add(t);
            requestBytes.writeBytes(Hex.encode(t));
            Rmessage r = gen.reply();
            replies.add(r);
            replyBytes.writeBytes(Hex.encode(r));
        }
        assertThat(decodeInPieces(new StyxFrameDecoder(true, P9.MAX_MSIZE), requestBytes.toByteArray(), gen))
                .isEqualTo(requests);
        assertThat(decodeInPieces(new StyxFrameDecoder(false, P9.MAX_MSIZE), replyBytes.toByteArray(), gen))
                .isEqualTo(replies);
    }

    private static List<Object> decodeInPieces(StyxFrameDecoder decoder, byte[] stream, RandomMessages gen) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        for (int at = 0; at < stream.length; ) {
            int n = Math.min(stream.length - at, 1 + gen.nextInt(gen.nextInt(4) == 0 ? 20_000 : 200));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(stream, at, at + n)));
            at += n;
        }
        assertThat(decoder.pendingBytes()).isZero();
        List<Object> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
        ch.finish();
        return out;
    }

    /**
     * Strings that are not well-formed UTF-16 cannot be sent as they are, but the frame must stay
     * consistent: size() equal to the bytes written, and what arrives is Java's own replacement.
     */
    @Test
    void unpairedSurrogatesNeverBreakTheFraming() {
        RandomMessages gen = new RandomMessages(7);
        for (int i = 0; i < 5_000; i++) {
            String s = gen.anyChars();
            Tmessage.Walk m = new Tmessage.Walk(1, 2, 3, List.of(s, "x" + s));
            byte[] frame = Hex.encode(m);
            assertThat(StyxWire.size(m)).as("size() for %s", Arrays.toString(s.chars().toArray()))
                    .isEqualTo(frame.length);
            String sent = new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            assertThat(Hex.decode(frame)).isEqualTo(new Tmessage.Walk(1, 2, 3, List.of(sent, "x" + sent)));
        }
    }
}
