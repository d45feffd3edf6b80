package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8CutTest {
    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void textThatFitsIsLeftAlone() {
        assertThat(Utf8Cut.cut("abc", 3)).isEqualTo("abc");
        assertThat(Utf8Cut.cut("", 0)).isEqualTo("");
        assertThat(Utf8Cut.cut("é", 2)).isEqualTo("é");
    }

    @Test
    void oneByteOverIsCutWithTheMarkAndFillsTheLimitExactly() {
        String s = "x".repeat(65536);
        String cut = Utf8Cut.cut(s, Utf8Cut.MAX_STRING);
        assertThat(cut).endsWith("…").startsWith("xxx");
        assertThat(bytes(cut)).isEqualTo(Utf8Cut.MAX_STRING);
        assertThat(Utf8Cut.cut("abcde", 4)).isEqualTo("a…");
        assertThat(Utf8Cut.cut("abcd", 3)).isEqualTo("…");
    }

    @Test
    void aLimitWithNoRoomForTheMarkKeepsThePrefixAlone() {
        assertThat(Utf8Cut.cut("abcd", 2)).isEqualTo("ab");
        assertThat(Utf8Cut.cut("abcd", 0)).isEqualTo("");
        assertThat(Utf8Cut.cut("éé", 1)).isEqualTo("");
    }

    @Test
    void neverSplitsACharacterOfTwoThreeOrFourBytes() {
        for (String ch : new String[] {"é", "€", "😀"}) {
            int w = bytes(ch);
            String s = ch.repeat(100);
            for (int max = 3; max < bytes(s); max++) {
                String cut = Utf8Cut.cut(s, max);
                assertThat(bytes(cut)).as("%s at %d", ch, max).isLessThanOrEqualTo(max)
                        .isGreaterThan(max - w);
                assertThat(cut).endsWith("…").doesNotContain("\uFFFD");
                String body = cut.substring(0, cut.length() - 1);
                assertThat(body).isEqualTo(ch.repeat(body.codePointCount(0, body.length())));
            }
        }
    }

    @Test
    void agreesWithTheWireOnUnpairedSurrogates() {
        // An unpaired surrogate goes out as '?', one byte; the cut must count it so, as StyxWire does.
        String s = "\uD800".repeat(10);
        String cut = Utf8Cut.cut(s, 7);
        assertThat(StyxWire.stringSize(cut) - 2).isLessThanOrEqualTo(7);
        assertThat(cut).endsWith("…");
    }
}
