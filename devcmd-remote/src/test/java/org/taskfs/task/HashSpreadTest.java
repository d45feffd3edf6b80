package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How {@code input hash} picks a task for a line: by its first field alone, the same on every machine. */
class HashSpreadTest {
    private static int hash(String line) {
        return SpreadWriter.hashOfFirstField(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void equalFirstFieldsHashAlikeWhateverFollows() {
        assertThat(hash("apple 1\n")).isEqualTo(hash("apple 2 3\n")).isEqualTo(hash("apple\n"))
                .isEqualTo(hash("  apple\tx\n")).isEqualTo(hash("apple\r\n"));
        assertThat(hash("apple 1\n")).isNotEqualTo(hash("apples 1\n"));
    }

    @Test
    void itIsFnv1aOfTheField() {
        // FNV-1a 32-bit: the offset basis for nothing, and the published value for "a".
        assertThat(hash("\n")).isEqualTo(0x811c9dc5);
        assertThat(hash("a b\n")).isEqualTo(0xe40c292c);
    }

    @Test
    void keysSpreadOverTheTasks() {
        int tasks = 4;
        int[] seen = new int[tasks];
        for (int k = 0; k < 1000; k++) {
            seen[Math.floorMod(hash("key" + k + " v\n"), tasks)]++;
        }
        for (int n : seen) {
            assertThat(n).isBetween(150, 350);
        }
    }
}
