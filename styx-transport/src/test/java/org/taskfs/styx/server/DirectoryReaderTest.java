package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dialect;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.StyxWire;

class DirectoryReaderTest {
    private final Dir a = Files9.dir("a", Qid.file(1), 0644, "glenda");
    private final Dir b = Files9.dir("bb", Qid.file(2), 0644, "glenda");
    private final DirectoryReader reader = new DirectoryReader();

    @Test
    void readsWholeEntriesInOrderFromWhereTheLastReadEnded() {
        reader.restart(List.of(a, b), Dialect.P9_2000);
        int one = StyxWire.dirSize(a);
        byte[] first = reader.read(0, one + 1); // room for a, not for a and b
        assertThat(StyxWire.decodeDirs(first)).containsExactly(a);
        assertThat(StyxWire.decodeDirs(reader.read(one, 1000))).containsExactly(b);
        assertThat(reader.read(one + StyxWire.dirSize(b), 1000)).isEmpty();
    }

    @Test
    void anyOtherOffsetIsRefused() {
        assertThatThrownBy(() -> reader.read(10, 1000)).hasMessage(Errors.BAD_DIR_OFFSET);
        reader.restart(List.of(a), Dialect.P9_2000);
        assertThatThrownBy(() -> reader.read(1, 1000)).hasMessage(Errors.BAD_DIR_OFFSET);
    }

    @Test
    void aCountTooSmallForTheNextEntryIsAnError() {
        reader.restart(List.of(a), Dialect.P9_2000);
        assertThatThrownBy(() -> reader.read(0, 10))
                .hasMessage("read count 10 is too small for a directory entry of " + StyxWire.dirSize(a) + " bytes");
    }
}
