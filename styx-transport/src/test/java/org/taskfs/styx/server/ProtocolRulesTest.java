package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;

/** The rules by themselves, without a connection: each check's verdict and its exact text. */
class ProtocolRulesTest {
    private static Dir owned(int mode) {
        return Files9.dir("f", Qid.file(1), mode, "glenda").withOwners("glenda", "sys");
    }

    @Test
    void openModesNeedTheirPermissionBits() {
        assertThat(ProtocolRules.access(P9.OREAD)).isEqualTo(4);
        assertThat(ProtocolRules.access(P9.OWRITE)).isEqualTo(2);
        assertThat(ProtocolRules.access(P9.ORDWR)).isEqualTo(6);
        assertThat(ProtocolRules.access(P9.OEXEC)).isEqualTo(1);
        assertThat(ProtocolRules.access(P9.OREAD | P9.OTRUNC)).isEqualTo(6);
    }

    @Test
    void everyClassTheUserBelongsToCounts() {
        Dir d = owned(0640);
        assertThat(ProtocolRules.permits(d, "glenda", 6)).isTrue();
        assertThat(ProtocolRules.permits(d, "sys", 4)).isTrue();
        assertThat(ProtocolRules.permits(d, "sys", 2)).isFalse();
        assertThat(ProtocolRules.permits(d, "other", 4)).isFalse();
        // Plan 9 adds the bits up: "other" grants what the owner's class lacks.
        assertThat(ProtocolRules.permits(owned(0402), "glenda", 6)).isTrue();
        assertThatThrownBy(() -> ProtocolRules.checkPermits(d, "other", 4)).hasMessage(Errors.PERMISSION);
    }

    @Test
    void namesAreOnePathElement() {
        assertThatCode(() -> ProtocolRules.checkName("ctl")).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkName("")).hasMessage("bad character in file name: \"\"");
        assertThatThrownBy(() -> ProtocolRules.checkName(".")).hasMessage("bad character in file name: \".\"");
        assertThatThrownBy(() -> ProtocolRules.checkName("a/b")).hasMessage("bad character in file name: \"a/b\"");
        assertThatThrownBy(() -> ProtocolRules.checkName("a\0b")).hasMessage("bad character in file name: \"a\\0b\"");
        assertThatThrownBy(() -> ProtocolRules.checkName("x".repeat(256)))
                .hasMessage("file name too long (255 bytes at most)");
        assertThatCode(() -> ProtocolRules.checkName("..")).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkNewName("..")).hasMessage("bad character in file name: \"..\"");
    }

    @Test
    void walksStartAtAnUnopenedDirectory() {
        assertThatThrownBy(() -> ProtocolRules.checkWalkable(true, true)).hasMessage("cannot walk an authentication fid");
        assertThatThrownBy(() -> ProtocolRules.checkWalkable(false, true)).hasMessage(Errors.WALK_OPEN);
        assertThatCode(() -> ProtocolRules.checkWalkNames(List.of(), false)).doesNotThrowAnyException();
        assertThatCode(() -> ProtocolRules.checkWalkNames(List.of("..", "a"), true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkWalkNames(List.of("a"), false)).hasMessage(Errors.NOT_DIR);
        // A bad name is reported before a file that cannot be walked from.
        assertThatThrownBy(() -> ProtocolRules.checkWalkNames(List.of("."), false))
                .hasMessage("bad character in file name: \".\"");
    }

    @Test
    void opensOfDirectoriesOnlyRead() {
        assertThatCode(() -> ProtocolRules.checkOpen(false, P9.OREAD, true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkOpen(true, P9.OREAD, false)).hasMessage(Errors.ALREADY_OPEN);
        assertThatThrownBy(() -> ProtocolRules.checkOpen(false, 0x80, false)).hasMessage("bad open mode 128");
        assertThatThrownBy(() -> ProtocolRules.checkOpen(false, P9.OWRITE, true)).hasMessage(Errors.IS_DIR);
        assertThatThrownBy(() -> ProtocolRules.checkOpen(false, P9.OREAD | P9.ORCLOSE, true)).hasMessage(Errors.IS_DIR);
    }

    @Test
    void createsAskForWhat9P2000Has() {
        assertThatCode(() -> ProtocolRules.checkCreate(false, true, "new", 0644, P9.ORDWR)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkCreate(false, false, "new", 0644, P9.ORDWR)).hasMessage(Errors.NOT_DIR);
        assertThatThrownBy(() -> ProtocolRules.checkCreate(false, true, "new", 0x02000000 | 0644, P9.OREAD))
                .hasMessage("cannot create \"new\": permission bits 0x2000000 are not supported");
        assertThatThrownBy(() -> ProtocolRules.checkCreate(false, true, "d", P9.DMDIR | 0755, P9.OWRITE))
                .hasMessage("cannot create a directory open for writing");
    }

    @Test
    void readsAndWritesStayWithinTheOpenModeAndTheIounit() {
        assertThatThrownBy(() -> ProtocolRules.checkRead(Fid.NOT_OPEN, 1, 100, 0)).hasMessage(Errors.NOT_OPEN);
        assertThatThrownBy(() -> ProtocolRules.checkRead(P9.OWRITE, 1, 100, 0)).hasMessage(Errors.NOT_READABLE);
        assertThatThrownBy(() -> ProtocolRules.checkRead(P9.OREAD, 101, 100, 0))
                .hasMessage("read count 101 exceeds the iounit 100");
        assertThatThrownBy(() -> ProtocolRules.checkRead(P9.OREAD, 1, 100, -1))
                .hasMessage("read offset 18446744073709551615 is out of range");
        assertThatThrownBy(() -> ProtocolRules.checkWrite(P9.OREAD, false, 1, 100, 0)).hasMessage(Errors.NOT_WRITABLE);
        assertThatThrownBy(() -> ProtocolRules.checkWrite(P9.ORDWR, true, 1, 100, 0)).hasMessage(Errors.IS_DIR);
        assertThatThrownBy(() -> ProtocolRules.checkWrite(P9.OWRITE, false, 10, 100, Long.MAX_VALUE - 5))
                .hasMessage("write offset " + (Long.MAX_VALUE - 5) + " is out of range");
        assertThatCode(() -> ProtocolRules.checkWrite(P9.OWRITE | P9.OTRUNC, false, 100, 100, 0))
                .doesNotThrowAnyException();
    }

    @Test
    void wstatChangesOnlyWhatAFileMayChange() {
        Qid qid = Qid.file(7);
        assertThatCode(() -> ProtocolRules.checkWstat(Dir.dontTouch(), qid, false, true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProtocolRules.checkWstat(Dir.dontTouch().withQid(Qid.file(8)), qid, false, false))
                .hasMessage("wstat cannot change a file's qid");
        assertThatThrownBy(() -> ProtocolRules.checkWstat(Dir.dontTouch().withMode(P9.DMDIR | 0755), qid, false, false))
                .hasMessage("wstat cannot change whether a file is a directory");
        assertThatThrownBy(() -> ProtocolRules.checkWstat(Dir.dontTouch().withName("r"), Qid.directory(1), true, true))
                .hasMessage("cannot rename the root");
        assertThatThrownBy(() -> ProtocolRules.checkWstat(Dir.dontTouch().withLength(5), Qid.directory(1), true, false))
                .hasMessage("cannot set the length of a directory");
    }
}
