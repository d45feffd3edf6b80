package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** Fid rules of attach(5), walk(5) and clunk(5). */
class FidRulesTest extends ServerTestBase {
    private final Directory root = new Directory("/", 0777);
    private final Directory sub = root.add(new Directory("sub", 0777));
    private final ProbeFile file = sub.add(new ProbeFile("file"));
    private final ProbeFile top = root.add(new ProbeFile("top"));
    private final TestFs fs = new TestFs(root);

    private RawStyx session() {
        return connect(serve(fs)).session();
    }

    private static Tmessage.Walk walk(int tag, int fid, int newfid, String... names) {
        return new Tmessage.Walk(tag, fid, newfid, List.of(names));
    }

    @Test
    void attachWithAFidInUseIsRefused() {
        RawStyx c = session();
        assertThat(c.error(new Tmessage.Attach(c.tag(), 0, P9.NOFID, "glenda", ""))).isEqualTo(Errors.FID_IN_USE);
        c.assertServes(0);
    }

    @Test
    void attachWithNofidAsTheFidIsRefused() {
        RawStyx c = connect(serve(fs));
        c.version(8192);
        assertThat(c.error(new Tmessage.Attach(c.tag(), P9.NOFID, P9.NOFID, "glenda", "")))
                .isEqualTo("fid 4294967295 (NOFID) cannot be used");
        c.attach(0);
        c.assertServes(0);
    }

    @Test
    void walkToANewfidInUseIsRefused() {
        RawStyx c = session();
        c.walk(0, 1, "sub");
        assertThat(c.error(walk(c.tag(), 0, 1, "top"))).isEqualTo(Errors.FID_IN_USE);
        assertThat(c.stat(1).name()).as("fid 1 still where it was").isEqualTo("sub");
    }

    @Test
    void walkWithNewfidEqualToFidMovesTheFid() {
        RawStyx c = session();
        c.walk(0, 1, "sub");
        c.walk(1, 1, "file");
        assertThat(c.stat(1).name()).isEqualTo("file");
        c.assertServes(0);
    }

    @Test
    void walkOfAnOpenFidIsRefused() {
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "top");
        assertThat(c.error(walk(c.tag(), 1, 2))).isEqualTo(Errors.WALK_OPEN);
        assertThat(c.error(walk(c.tag(), 1, 1))).isEqualTo(Errors.WALK_OPEN);
        c.assertServes(1);
    }

    @Test
    void walkOfMoreThanSixteenNamesIsRefusedByTheDecoder() {
        RawStyx c = session();
        String ename = c.error(new Tmessage.Walk(c.tag(), 0, 1, Collections.nCopies(17, "..")));
        assertThat(ename).isEqualTo("Twalk: walk of 17 names; at most 16 are allowed");
        assertThat(c.walk(0, 1, Collections.nCopies(16, "..").toArray(String[]::new)))
                .as("exactly 16 is fine").hasSize(16);
    }

    @Test
    void partialWalkReturnsFewerQidsAndDoesNotCreateNewfid() {
        RawStyx c = session();
        List<Qid> qids = c.walk(0, 1, "sub", "missing", "more");
        assertThat(qids).containsExactly(sub.qid());
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).as("newfid not created").isEqualTo(Errors.UNKNOWN_FID);
        // Through a file in the middle: walk stops there too.
        assertThat(c.walk(0, 1, "sub", "file", "beyond")).containsExactly(sub.qid(), file.qid());
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
    }

    @Test
    void partialWalkWithNewfidEqualToFidLeavesTheFidWhereItWas() {
        RawStyx c = session();
        c.walk(0, 1, "sub");
        assertThat(c.walk(1, 1, "file", "beyond")).hasSize(1);
        assertThat(c.stat(1).name()).isEqualTo("sub");
    }

    @Test
    void walkFailingAtTheFirstNameIsAnError() {
        RawStyx c = session();
        assertThat(c.error(walk(c.tag(), 0, 1, "missing"))).isEqualTo(Errors.NOT_FOUND);
        assertThat(c.error(walk(c.tag(), 0, 1, "missing", "sub"))).isEqualTo(Errors.NOT_FOUND);
        c.assertServes(0);
    }

    @Test
    void walkFromAFileWithNamesIsRefused() {
        RawStyx c = session();
        c.walk(0, 1, "top");
        assertThat(c.error(walk(c.tag(), 1, 2, "x"))).isEqualTo(Errors.NOT_DIR);
        assertThat(c.walk(1, 2)).as("a clone of a file is fine").isEmpty();
    }

    @Test
    void dotDotAtTheRootStaysAtTheRoot() {
        RawStyx c = session();
        assertThat(c.walk(0, 1, "..", "..")).containsExactly(root.qid(), root.qid());
        assertThat(c.stat(1).qid()).isEqualTo(root.qid());
        assertThat(c.walk(0, 2, "sub", "..", "sub", "file")).containsExactly(sub.qid(), root.qid(), sub.qid(),
                file.qid());
    }

    @Test
    void namesWithSlashNulOrDotAreRefused() {
        RawStyx c = session();
        assertThat(c.error(walk(c.tag(), 0, 1, "sub/file"))).isEqualTo(Errors.BAD_NAME + ": \"sub/file\"");
        assertThat(c.error(walk(c.tag(), 0, 1, "su\0b"))).isEqualTo(Errors.BAD_NAME + ": \"su\\0b\"");
        assertThat(c.error(walk(c.tag(), 0, 1, "."))).isEqualTo(Errors.BAD_NAME + ": \".\"");
        assertThat(c.error(walk(c.tag(), 0, 1, ""))).isEqualTo(Errors.BAD_NAME + ": \"\"");
        assertThat(c.error(walk(c.tag(), 0, 1, "sub", "/"))).as("checked before any walking")
                .isEqualTo(Errors.BAD_NAME + ": \"/\"");
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        c.assertServes(0);
    }

    @Test
    void namesOver255BytesAreRefused() {
        RawStyx c = session();
        assertThat(c.error(walk(c.tag(), 0, 1, "x".repeat(256)))).isEqualTo(Errors.NAME_TOO_LONG
                + " (255 bytes at most)");
        // 128 two-byte characters: 256 bytes though only 128 chars.
        assertThat(c.error(walk(c.tag(), 0, 1, "é".repeat(128)))).startsWith(Errors.NAME_TOO_LONG);
        assertThat(c.error(walk(c.tag(), 0, 1, "x".repeat(255)))).as("255 is allowed, just absent")
                .isEqualTo(Errors.NOT_FOUND);
        c.assertServes(0);
    }

    @Test
    void useAfterClunkIsAnUnknownFid() {
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "top");
        c.clunk(1);
        assertThat(top.clunks.get()).isEqualTo(1);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, 10))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(c.error(walk(c.tag(), 1, 2))).isEqualTo(Errors.UNKNOWN_FID);
        // The fid number is free again.
        c.walk(0, 1, "top");
        c.assertServes(1);
    }

    @Test
    void clunkAndRemoveOfAnUnknownFidAreRefused() {
        RawStyx c = session();
        assertThat(c.error(new Tmessage.Clunk(c.tag(), 7))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(c.error(new Tmessage.Remove(c.tag(), 7))).isEqualTo(Errors.UNKNOWN_FID);
        assertThat(c.error(new Tmessage.Clunk(c.tag(), P9.NOFID))).isEqualTo(Errors.UNKNOWN_FID);
        c.assertServes(0);
    }

    @Test
    void fidLimitGivesAClearError() {
        RawStyx c = connect(serve(fs, ServerOptions.DEFAULTS.withMaxFids(3))).session();
        c.walk(0, 1);
        c.walk(0, 2);
        assertThat(c.error(walk(c.tag(), 0, 3))).isEqualTo("too many fids (limit 3)");
        assertThat(c.error(new Tmessage.Attach(c.tag(), 3, P9.NOFID, "glenda", "")))
                .isEqualTo("too many fids (limit 3)");
        assertThat(c.walk(1, 1, "sub")).as("moving a fid needs no new one").hasSize(1);
        c.clunk(2);
        c.walk(0, 3);
        c.assertServes(3);
    }

    @Test
    void attachWithAnAfidThatIsNotAnAuthFidIsRefused() {
        RawStyx c = session();
        assertThat(c.error(new Tmessage.Attach(c.tag(), 1, 0, "glenda", ""))).as("fid 0 is a plain fid")
                .isEqualTo(Errors.NOT_AUTH_FID);
        assertThat(c.error(new Tmessage.Attach(c.tag(), 1, 9, "glenda", ""))).as("fid 9 does not exist")
                .isEqualTo(Errors.NOT_AUTH_FID);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        c.assertServes(0);
    }

    @Test
    void authWhenNoneIsRequiredIsRefusedAndMakesNoFid() {
        RawStyx c = connect(serve(fs));
        c.version(8192);
        assertThat(c.error(new Tmessage.Auth(c.tag(), 5, "glenda", ""))).isEqualTo(Errors.NO_AUTH);
        assertThat(c.rpc(new Tmessage.Attach(c.tag(), 5, P9.NOFID, "glenda", "")))
                .as("afid 5 was not kept").isInstanceOf(Rmessage.Attach.class);
        c.assertServes(5);
    }
}
