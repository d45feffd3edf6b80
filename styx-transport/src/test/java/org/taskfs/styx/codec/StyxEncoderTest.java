package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StyxEncoderTest {

    private static byte[] take(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** The same hand-derived frames as the wire tests, this time through a channel pipeline. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.taskfs.styx.codec.StyxWireGoldenTest#golden")
    void writesTheExactFrame(String name, Message m, byte[] expected) {
        EmbeddedChannel ch = new EmbeddedChannel(StyxEncoder.INSTANCE);
        assertThat(ch.writeOutbound(m)).isTrue();
        ByteBuf out = ch.readOutbound();
        // The buffer is sized from size(): no slack to grow into, nothing left unwritten.
        assertThat(out.readableBytes()).isEqualTo(expected.length);
        assertThat(Hex.of(take(out))).isEqualTo(Hex.of(expected));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    /** One instance in many pipelines: it keeps no per-channel state. */
    @Test
    void sharedInstanceServesSeveralChannels() {
        EmbeddedChannel a = new EmbeddedChannel(StyxEncoder.INSTANCE);
        EmbeddedChannel b = new EmbeddedChannel(StyxEncoder.INSTANCE);
        a.writeOutbound(new Rmessage.Clunk(1), new Rmessage.Flush(2));
        b.writeOutbound(new Rmessage.Wstat(3));
        assertThat(Hex.of(take(a.readOutbound()))).isEqualTo("07000000790100");
        assertThat(Hex.of(take(a.readOutbound()))).isEqualTo("070000006d0200");
        assertThat(Hex.of(take(b.readOutbound()))).isEqualTo("070000007f0300");
        assertThat(a.finish()).isFalse();
        assertThat(b.finish()).isFalse();
    }

    /** A string over 65535 bytes cannot be framed; the write fails instead of sending a lie. */
    @Test
    void unencodableMessageFailsTheWriteAndSendsNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(StyxEncoder.INSTANCE);
        assertThatThrownBy(() -> ch.writeOutbound(new Rmessage.Error(1, "x".repeat(0x10000))))
                .isInstanceOf(EncoderException.class)
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause().hasMessageContaining("65536 bytes");
        assertThat((Object) ch.readOutbound()).isNull();
        ch.writeOutbound(new Rmessage.Error(1, "x".repeat(0xFFFF)));
        assertThat(take(ch.readOutbound())).hasSize(7 + 2 + 0xFFFF);
        assertThat(ch.finish()).isFalse();
    }

    /**
     * Java strings can hold unpaired surrogates, which UTF-8 cannot express. Whatever the encoder
     * writes for them, the size field must match the bytes sent or the peer loses the framing.
     */
    @Test
    void unpairedSurrogatesStillGiveAConsistentFrame() {
        for (String s : List.of("\uD800", "a\uDC00b", "\uD800\u00e9", "\uD800\uD800x", "x\uDBFF")) {
            Rmessage.Error m = new Rmessage.Error(1, s);
            EmbeddedChannel ch = new EmbeddedChannel(StyxEncoder.INSTANCE);
            ch.writeOutbound(m);
            byte[] frame = take(ch.readOutbound());
            assertThat(frame.length).as("frame length for %s", Hex.of(s.getBytes(StandardCharsets.UTF_16BE)))
                    .isEqualTo(StyxWire.size(m))
                    .isEqualTo((frame[0] & 0xff) | (frame[1] & 0xff) << 8);
            // Decodable (so valid UTF-8), with each unpaired surrogate replaced as Java's own encoder does.
            String expected = new String(s.getBytes(StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8);
            assertThat(Hex.decode(frame)).isEqualTo(new Rmessage.Error(1, expected));
            assertThat(ch.finish()).isFalse();
        }
    }
}
