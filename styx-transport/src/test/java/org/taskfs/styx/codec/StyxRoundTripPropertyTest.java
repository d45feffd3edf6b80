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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Random valid messages survive encode → decode unchanged; seeds are fixed so runs are repeatable. */
class StyxRoundTripPropertyTest {

    @Test
    void twentyThousandMessagesRoundTrip() {
        assertThat(roundTrip(new RandomMessages(0x9F2000L), Dialect.P9_2000, 20_000))
                .isEqualTo(EnumSet.complementOf(EnumSet.of(MessageType.TERROR)).stream()
                        .filter(t -> t.code() >= 100).collect(Collectors.toSet()));
    }

    /** .u: 9P2000's messages with n_uname, extension, errno and the extended stat drawn too. */
    @Test
    void twentyThousandDotUMessagesRoundTrip() {
        assertThat(roundTrip(new RandomMessages(0x9F2001L), Dialect.U, 20_000))
                .isEqualTo(EnumSet.complementOf(EnumSet.of(MessageType.TERROR)).stream()
                        .filter(t -> t.code() >= 100).collect(Collectors.toSet()));
    }

    /** .L: its own messages and the 9P2000 ones it keeps, the .u fields included. */
    @Test
    void twentyThousandDotLMessagesRoundTrip() {
        assertThat(roundTrip(new RandomMessages(0x9F2002L), Dialect.L, 20_000))
                .isEqualTo(EnumSet.complementOf(EnumSet.of(MessageType.TERROR, MessageType.TLERROR)));
    }

    /** decode(encode(m, d), d) equals m, sizes agree and the re-encoding is the same; returns the types seen. */
    private static Set<MessageType> roundTrip(RandomMessages gen, Dialect d, int count) {
        Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        for (int i = 0; i < count; i++) {
            Message m = gen.next(d);
            seen.add(m.type());
            byte[] frame = Hex.encode(m, d);
            assertThat(StyxWire.size(m, d)).as("size() of case %d, %s", i, m).isEqualTo(frame.length);
            assertThat(Integer.toUnsignedLong(Unpooled.wrappedBuffer(frame).getIntLE(0)))
                    .as("size field of case %d", i).isEqualTo(frame.length);
            Message decoded = Hex.decode(frame, d);
            assertThat(decoded).as("case %d", i).isEqualTo(m);
            assertThat(Hex.encode(decoded, d)).as("re-encoding of case %d", i).isEqualTo(frame);
        }
        return seen;
    }

    /** The same messages through the frame decoders, the stream cut into reads of random length. */
    @Test
    void randomStreamThroughTheFrameDecoders() {
        streamThroughTheFrameDecoders(new RandomMessages(42), Dialect.P9_2000);
    }

    @ParameterizedTest
    @EnumSource(value = Dialect.class, names = {"U", "L"})
    void randomDialectStreamThroughTheFrameDecoders(Dialect d) {
        streamThroughTheFrameDecoders(new RandomMessages(42 + d.ordinal()), d);
    }

    private static void streamThroughTheFrameDecoders(RandomMessages gen, Dialect d) {
        List<Object> requests = new ArrayList<>();
        List<Object> replies = new ArrayList<>();
        ByteArrayOutputStream requestBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream replyBytes = new ByteArrayOutputStream();
        for (int i = 0; i < 2_000; i++) {
            Tmessage t = gen.request(d);
            requests.add(t);
            requestBytes.writeBytes(Hex.encode(t, d));
            Rmessage r = gen.reply(d);
            replies.add(r);
            replyBytes.writeBytes(Hex.encode(r, d));
        }
        StyxFrameDecoder server = new StyxFrameDecoder(true, P9.MAX_MSIZE);
        server.dialect(d);
        StyxFrameDecoder client = new StyxFrameDecoder(false, P9.MAX_MSIZE);
        client.dialect(d);
        assertThat(decodeInPieces(server, requestBytes.toByteArray(), gen)).isEqualTo(requests);
        assertThat(decodeInPieces(client, replyBytes.toByteArray(), gen)).isEqualTo(replies);
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
