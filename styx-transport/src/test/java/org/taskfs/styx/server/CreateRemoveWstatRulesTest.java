package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** create(5), remove(5) and stat(5)'s wstat rules. */
class CreateRemoveWstatRulesTest extends ServerTestBase {
    /** 9P2000.u's DMSYMLINK, DMDEVICE, DMNAMEDPIPE, DMSOCKET, DMSETUID: special files 9P2000 lacks. */
    private static final int[] SPECIAL_BITS = {0x02000000, 0x00800000, 0x00200000, 0x00100000, 0x00080000};

    private final RamFs ram = new RamFs(TestNodes.OWNER);

    private final Directory root = new Directory("/", 0777);
    private final ProbeFile ctl = root.add(new ProbeFile("ctl"));
    private final Directory locked = root.add(new Directory("locked", 0555));
    private final ProbeFile inLocked = locked.add(new ProbeFile("f"));

    private RawStyx ramSession() {
        return connect(serve(ram)).session();
    }

    private RawStyx syntheticSession() {
        return connect(serve(new TestFs(root))).session();
    }

    private static Tmessage.Create create(RawStyx c, int fid, String name, int perm, int mode) {
        return new Tmessage.Create(c.tag(), fid, name, perm, mode);
    }

    @Test
    void createMakesAnOpenFile() {
        RawStyx c = ramSession();
        c.walk(0, 1);
        Rmessage.Create r = c.ok(create(c, 1, "new", 0644, P9.ORDWR), Rmessage.Create.class);
        assertThat(r.iounit()).isEqualTo(8192 - P9.IOHDRSZ);
        assertThat(c.write(1, 0, "hello".getBytes())).isEqualTo(5);
        assertThat(c.stat(1).name()).as("the fid now is the new file").isEqualTo("new");
        assertThat(ram.get("new")).isEqualTo("hello".getBytes());
    }

    @Test
    void createWithSpecialFileBitsIsRefused() {
        RawStyx c = ramSession();
        c.walk(0, 1);
        for (int bits : SPECIAL_BITS) {
            assertThat(c.error(create(c, 1, "x", bits | 0644, P9.OREAD)))
                    .isEqualTo("cannot create \"x\": permission bits 0x" + Integer.toHexString(bits)
                            + " are not supported");
        }
        assertThat(c.error(create(c, 1, "x", P9.DMAUTH | 0644, P9.OREAD))).as("auth files are the server's")
                .contains("0x8000000 are not supported");
        assertThat(ram.get("x")).isNull();
        c.assertServes(1);
    }

    @Test
    void createOfADirectoryOpenForWritingIsRefused() {
        RawStyx c = ramSession();
        c.walk(0, 1);
        for (int mode : new int[] {P9.OWRITE, P9.ORDWR, P9.OREAD | P9.OTRUNC}) {
            assertThat(c.error(create(c, 1, "d", P9.DMDIR | 0755, mode)))
                    .isEqualTo("cannot create a directory open for writing");
        }
        Rmessage.Create r = c.ok(create(c, 1, "d", P9.DMDIR | 0755, P9.OREAD), Rmessage.Create.class);
        assertThat(r.qid().isDirectory()).isTrue();
    }

    @Test
    void createOfAnExistingNameIsRefused() {
        ram.put("there", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1);
        assertThat(c.error(create(c, 1, "there", 0644, P9.OREAD))).isEqualTo(Errors.EXISTS);
        assertThat(c.stat(1).qid().isDirectory()).as("the fid still names the directory").isTrue();
    }

    @Test
    void createWithABadNameIsRefused() {
        RawStyx c = ramSession();
        c.walk(0, 1);
        assertThat(c.error(create(c, 1, "a/b", 0644, P9.OREAD))).isEqualTo(Errors.BAD_NAME + ": \"a/b\"");
        assertThat(c.error(create(c, 1, ".", 0644, P9.OREAD))).isEqualTo(Errors.BAD_NAME + ": \".\"");
        assertThat(c.error(create(c, 1, "..", 0644, P9.OREAD))).isEqualTo(Errors.BAD_NAME + ": \"..\"");
        assertThat(c.error(create(c, 1, "", 0644, P9.OREAD))).isEqualTo(Errors.BAD_NAME + ": \"\"");
        assertThat(c.error(create(c, 1, "n".repeat(256), 0644, P9.OREAD))).startsWith(Errors.NAME_TOO_LONG);
        c.assertServes(1);
    }

    @Test
    void createInAFileOrThroughAnOpenFidIsRefused() {
        ram.put("plain", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "plain");
        assertThat(c.error(create(c, 1, "x", 0644, P9.OREAD))).isEqualTo(Errors.NOT_DIR);
        c.walkOpen(2, P9.OREAD);
        assertThat(c.error(create(c, 2, "x", 0644, P9.OREAD))).isEqualTo(Errors.ALREADY_OPEN);
        c.assertServes(1);
    }

    @Test
    void createInADirectoryWithoutWritePermissionIsRefused() {
        RawStyx c = syntheticSession();
        c.walk(0, 1, "locked");
        assertThat(c.error(create(c, 1, "x", 0644, P9.OREAD))).isEqualTo(Errors.PERMISSION);
        c.assertServes(1);
    }

    @Test
    void removeClunksTheFidEvenWhenItFails() {
        ram.put("d/inside", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "d");
        assertThat(c.error(new Tmessage.Remove(c.tag(), 1))).isEqualTo("directory not empty");
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        c.walk(0, 2);
        assertThat(c.error(new Tmessage.Remove(c.tag(), 2))).as("the root has no parent to remove it from")
                .isEqualTo(Errors.PERMISSION);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 2))).isEqualTo(Errors.UNKNOWN_FID);
        c.assertServes(0);
    }

    @Test
    void removeOfAFileThatRefusesIsPermissionDenied() {
        RawStyx c = syntheticSession();
        c.walkOpen(1, P9.OWRITE, "ctl");
        assertThat(c.error(new Tmessage.Remove(c.tag(), 1))).isEqualTo(Errors.PERMISSION);
        assertThat(ctl.clunks.get()).as("the open handle was released").isEqualTo(1);
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
        c.walkOpen(1, P9.OWRITE, "ctl");
        assertThat(c.write(1, 0, "still works".getBytes())).isEqualTo(11);
    }

    @Test
    void openWithOrcloseNeedsPermissionToRemoveTheFile() {
        // open(5): ORCLOSE "requires permission to remove the file from its directory", checked
        // at open time; otherwise the clunk would remove what Tremove may not.
        inLocked.removable = true;
        RawStyx c = syntheticSession();
        c.walk(0, 1, "locked", "f");
        assertThat(c.error(new Tmessage.Open(c.tag(), 1, P9.OREAD | P9.ORCLOSE))).isEqualTo(Errors.PERMISSION);
        assertThat(inLocked.opens.get()).isZero();
        c.open(1, P9.OREAD);
        c.clunk(1);
        assertThat(inLocked.removes.get()).as("nothing removed").isZero();
        c.walk(0, 2);
        assertThat(c.error(new Tmessage.Open(c.tag(), 2, P9.OREAD | P9.ORCLOSE))).as("not the root either")
                .isEqualTo(Errors.IS_DIR);
        c.assertServes(0);
    }

    @Test
    void openWithOrcloseRemovesTheFileAtClunk() {
        ctl.removable = true;
        RawStyx c = syntheticSession();
        c.walkOpen(1, P9.OREAD | P9.ORCLOSE, "ctl");
        assertThat(ctl.removes.get()).isZero();
        c.clunk(1);
        assertThat(ctl.removes.get()).isEqualTo(1);
        assertThat(ctl.clunks.get()).isEqualTo(1);
    }

    @Test
    void removeNeedsWritePermissionInTheParent() {
        inLocked.removable = true;
        RawStyx c = syntheticSession();
        c.walk(0, 1, "locked", "f");
        assertThat(c.error(new Tmessage.Remove(c.tag(), 1))).isEqualTo(Errors.PERMISSION);
        assertThat(inLocked.removes.get()).as("the node was not asked").isZero();
        c.assertServes(0);
    }

    @Test
    void removeSucceedsAndClunks() {
        ram.put("gone", "x".getBytes());
        RawStyx c = ramSession();
        c.walk(0, 1, "gone");
        assertThat(c.rpc(new Tmessage.Remove(c.tag(), 1))).isInstanceOf(Rmessage.Remove.class);
        assertThat(ram.get("gone")).isNull();
        assertThat(c.error(new Tmessage.Stat(c.tag(), 1))).isEqualTo(Errors.UNKNOWN_FID);
    }

    // ---------------------------------------------------------------- wstat

    private static Tmessage.Wstat wstat(RawStyx c, int fid, Dir d) {
        return new Tmessage.Wstat(c.tag(), fid, d);
    }

    @Test
    void wstatCannotChangeQidTypeOrDevice() {
        ram.put("f", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "f");
        Dir keep = Dir.dontTouch();
        assertThat(c.error(wstat(c, 1, keep.withQid(Qid.file(999)))))
                .isEqualTo("wstat cannot change a file's qid");
        Dir typed = new Dir(7, -1, keep.qid(), -1, -1, -1, -1, "", "", "", "");
        assertThat(c.error(wstat(c, 1, typed))).isEqualTo("wstat cannot change a file's type or device");
        Dir dev = new Dir(0xFFFF, 3, keep.qid(), -1, -1, -1, -1, "", "", "", "");
        assertThat(c.error(wstat(c, 1, dev))).isEqualTo("wstat cannot change a file's type or device");
        c.assertServes(1);
    }

    @Test
    void wstatCannotChangeTheDirectoryBit() {
        ram.put("d/f", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "d", "f");
        assertThat(c.error(wstat(c, 1, Dir.dontTouch().withMode(P9.DMDIR | 0755))))
                .isEqualTo("wstat cannot change whether a file is a directory");
        c.walk(0, 2, "d");
        assertThat(c.error(wstat(c, 2, Dir.dontTouch().withMode(0755))))
                .isEqualTo("wstat cannot change whether a file is a directory");
        c.assertServes(1);
    }

    @Test
    void wstatWithTheFileItsOwnQidIsAllowed() {
        ram.put("f", new byte[0]);
        RawStyx c = ramSession();
        Qid q = c.walk(0, 1, "f").get(0);
        assertThat(c.rpc(wstat(c, 1, Dir.dontTouch().withQid(q).withMode(0600)))).isInstanceOf(Rmessage.Wstat.class);
        assertThat(c.stat(1).mode()).isEqualTo(0600);
    }

    @Test
    void wstatWithSpecialFileBitsIsRefused() {
        ram.put("f", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "f");
        for (int bits : SPECIAL_BITS) {
            assertThat(c.error(wstat(c, 1, Dir.dontTouch().withMode(bits | 0644))))
                    .isEqualTo("wstat: permission bits 0x" + Integer.toHexString(bits) + " are not supported");
        }
        c.assertServes(1);
    }

    @Test
    void wstatThatTouchesNothingIsPlan9Sync() {
        RawStyx c = syntheticSession();
        c.walk(0, 1, "ctl");
        assertThat(c.rpc(wstat(c, 1, Dir.dontTouch()))).isInstanceOf(Rmessage.Wstat.class);
        c.assertServes(1);
    }

    @Test
    void wstatOfLengthZeroOnASyntheticFileIsAccepted() {
        // 9pfuse and Linux send exactly this before a shell's `echo cmd > ctl`.
        RawStyx c = syntheticSession();
        c.walk(0, 1, "ctl");
        assertThat(c.rpc(wstat(c, 1, Dir.dontTouch().withLength(0)))).isInstanceOf(Rmessage.Wstat.class);
        assertThat(c.error(wstat(c, 1, Dir.dontTouch().withLength(5)))).isEqualTo(Errors.PERMISSION);
        assertThat(c.error(wstat(c, 1, Dir.dontTouch().withMode(0600)))).isEqualTo(Errors.PERMISSION);
        c.assertServes(1);
    }

    @Test
    void wstatRenameChecksTheName() {
        ram.put("f", new byte[0]);
        RawStyx c = ramSession();
        c.walk(0, 1, "f");
        assertThat(c.error(wstat(c, 1, Dir.dontTouch().withName("a/b")))).isEqualTo(Errors.BAD_NAME + ": \"a/b\"");
        assertThat(c.error(wstat(c, 1, Dir.dontTouch().withName("..")))).isEqualTo(Errors.BAD_NAME + ": \"..\"");
        assertThat(c.error(wstat(c, 0, Dir.dontTouch().withName("root")))).isEqualTo("cannot rename the root");
        assertThat(c.rpc(wstat(c, 1, Dir.dontTouch().withName("g")))).isInstanceOf(Rmessage.Wstat.class);
        assertThat(ram.get("g")).isNotNull();
    }
}
