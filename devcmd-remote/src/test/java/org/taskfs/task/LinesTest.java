package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinesTest {
    private final Lines lines = new Lines();
    private final List<String> out = new ArrayList<>();

    private void feed(String chunk) {
        lines.feed(chunk.getBytes(StandardCharsets.UTF_8), l -> out.add(new String(l, StandardCharsets.UTF_8)));
    }

    @Test
    void wholeLinesComeOutWithTheirNewlines() {
        feed("a\nbb\n\nccc\n");
        assertThat(out).containsExactly("a\n", "bb\n", "\n", "ccc\n");
        assertThat(lines.rest()).isEmpty();
    }

    @Test
    void aLineSplitAcrossChunksComesOutOnceWhole() {
        feed("he");
        assertThat(out).isEmpty();
        feed("l");
        feed("lo\nwor");
        assertThat(out).containsExactly("hello\n");
        feed("ld\n");
        assertThat(out).containsExactly("hello\n", "world\n");
    }

    @Test
    void theUnfinishedLineIsKeptUntilTakenAndThenGone() {
        feed("x\ntail");
        assertThat(new String(lines.rest(), StandardCharsets.UTF_8)).isEqualTo("tail");
        assertThat(lines.rest()).isEmpty();
        feed("\n");
        assertThat(out).containsExactly("x\n", "\n");
    }

    @Test
    void bytesAreNotTextAndPassUnchanged() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xc3, '\n', (byte) 0x80};
        List<byte[]> got = new ArrayList<>();
        lines.feed(binary, got::add);
        assertThat(got).singleElement().isEqualTo(new byte[] {(byte) 0xff, 0, (byte) 0xc3, '\n'});
        assertThat(lines.rest()).isEqualTo(new byte[] {(byte) 0x80});
    }
}
