package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.ramfs.RamFs;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/** open(5) and read(5): modes against permissions, fid state, counts, offsets and directory reads. */
class OpenReadWriteRulesTest extends ServerTestBase {
    private static final int MSIZE = 8192;
    private static final int IOUNIT = MSIZE - P9.IOHDRSZ;

    private final Directory root = new Directory("/", 0777);
    private final ProbeFile readOnly = root.add(new ProbeFile("ro", 0444, "read me".getBytes()));
    private final ProbeFile big = root.add(new ProbeFile("big", 0666, new byte[IOUNIT + 100]));
    private final Directory dir = root.add(new Directory("dir", 0777));
    private final TestFs fs = new TestFs(root);

    private RawStyx session() {
        return connect(serve(fs)).session();
    }

    private static Tmessage.Open open(RawStyx c, int fid, int mode) {
        return new Tmessage.Open(c.tag(), fid, mode);
    }

    @Test
    void openModeIsCheckedAgainstPermissions() {
        RawStyx c = session();
        c.walk(0, 1, "ro");
        assertThat(c.error(open(c, 1, P9.OWRITE))).isEqualTo(Errors.PERMISSION);
        assertThat(c.error(open(c, 1, P9.ORDWR))).isEqualTo(Errors.PERMISSION);
        assertThat(c.error(open(c, 1, P9.OEXEC))).isEqualTo(Errors.PERMISSION);
        assertThat(readOnly.opens.get()).as("refused before the node is asked").isZero();
        c.open(1, P9.OREAD);
        assertThat(c.read(1, 0, 100)).isEqualTo("read me".getBytes());
    }

    @Test
    void truncationNeedsWritePermission() {
        RawStyx c = session();
        c.walk(0, 1, "ro");
        assertThat(c.error(open(c, 1, P9.OREAD | P9.OTRUNC))).isEqualTo(Errors.PERMISSION);
        c.assertServes(1);
    }

    @Test
    void unknownOpenModeBitsAreRefused() {
        RawStyx c = session();
        c.walk(0, 1, "big");
        assertThat(c.error(open(c, 1, 0x80))).isEqualTo("bad open mode 128");
        c.assertServes(1);
    }

    @Test
    void openingADirectoryForWritingIsRefused() {
        RawStyx c = session();
        c.walk(0, 1, "dir");
        assertThat(c.error(open(c, 1, P9.OWRITE))).isEqualTo(Errors.IS_DIR);
        assertThat(c.error(open(c, 1, P9.ORDWR))).isEqualTo(Errors.IS_DIR);
        assertThat(c.error(open(c, 1, P9.OREAD | P9.OTRUNC))).isEqualTo(Errors.IS_DIR);
        c.open(1, P9.OREAD);
    }

    @Test
    void openingTwiceIsRefused() {
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "big");
        assertThat(c.error(open(c, 1, P9.OREAD))).isEqualTo(Errors.ALREADY_OPEN);
        assertThat(big.opens.get()).isEqualTo(1);
        c.assertServes(1);
    }

    @Test
    void readingAFidThatIsNotOpenIsRefused() {
        RawStyx c = session();
        c.walk(0, 1, "big");
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, 10))).isEqualTo(Errors.NOT_OPEN);
        assertThat(c.error(new Tmessage.Write(c.tag(), 1, 0, new byte[1]))).isEqualTo(Errors.NOT_OPEN);
        c.assertServes(1);
    }

    @Test
    void readingAWriteOnlyFidAndWritingAReadOnlyFidAreRefused() {
        RawStyx c = session();
        c.walkOpen(1, P9.OWRITE, "big");
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, 10))).isEqualTo(Errors.NOT_READABLE);
        c.walkOpen(2, P9.OREAD, "big");
        assertThat(c.error(new Tmessage.Write(c.tag(), 2, 0, new byte[1]))).isEqualTo(Errors.NOT_WRITABLE);
        assertThat(big.reads.get() + big.writes.get()).isZero();
        c.assertServes(1);
    }

    @Test
    void writingADirectoryIsRefused() {
        RawStyx c = session();
        c.walkOpen(1, P9.OREAD, "dir");
        assertThat(c.error(new Tmessage.Write(c.tag(), 1, 0, "x".getBytes()))).isEqualTo(Errors.IS_DIR);
        c.assertServes(1);
    }

    @Test
    void countBeyondTheIounitIsRefusedNamingBoth() {
        RawStyx c = session();
        c.walkOpen(1, P9.ORDWR, "big");
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, IOUNIT + 1)))
                .isEqualTo("read count " + (IOUNIT + 1) + " exceeds the iounit " + IOUNIT);
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, -1)))
                .as("count 0xFFFFFFFF is unsigned").isEqualTo("read count 4294967295 exceeds the iounit " + IOUNIT);
        // A Twrite of iounit+1 bytes still fits msize, so only the count rule can catch it.
        assertThat(c.error(new Tmessage.Write(c.tag(), 1, 0, new byte[IOUNIT + 1])))
                .isEqualTo("write count " + (IOUNIT + 1) + " exceeds the iounit " + IOUNIT);
        assertThat(big.reads.get() + big.writes.get()).isZero();
        c.assertServes(1);
    }

    @Test
    void readAndWriteOfExactlyTheIounitWork() {
        RawStyx c = session();
        assertThat(c.walkOpen(1, P9.ORDWR, "big").iounit()).isEqualTo(IOUNIT);
        assertThat(c.read(1, 0, IOUNIT)).hasSize(IOUNIT);
        assertThat(c.write(1, 0, new byte[IOUNIT])).isEqualTo(IOUNIT);
    }

    @Test
    void offsetsWithTheTopBitSetAreRefused() {
        RawStyx c = session();
        c.walkOpen(1, P9.ORDWR, "big");
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, Long.MIN_VALUE, 10)))
                .isEqualTo("read offset 9223372036854775808 is out of range");
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, -1, 10)))
                .isEqualTo("read offset 18446744073709551615 is out of range");
        assertThat(c.error(new Tmessage.Write(c.tag(), 1, -1, new byte[10])))
                .isEqualTo("write offset 18446744073709551615 is out of range");
        // offset + count would overflow a signed 64-bit end.
        assertThat(c.error(new Tmessage.Write(c.tag(), 1, Long.MAX_VALUE - 5, new byte[10])))
                .isEqualTo("write offset 9223372036854775802 is out of range");
        assertThat(big.reads.get() + big.writes.get()).isZero();
        c.assertServes(1);
    }

    // ---------------------------------------------------------------- directory reads

    private final RamFs ram = new RamFs(TestNodes.OWNER);

    private RawStyx ramSessionWithManyFiles() {
        for (int i = 0; i < 40; i++) {
            ram.put("d/file-with-a-longish-name-" + i, new byte[i]);
        }
        RawStyx c = connect(serve(ram)).session();
        c.walkOpen(1, P9.OREAD, "d");
        return c;
    }

    private static List<String> names(List<Dir> dirs) {
        List<String> out = new ArrayList<>();
        for (Dir d : dirs) {
            out.add(d.name());
        }
        return out;
    }

    @Test
    void directoryReadsReturnWholeEntriesAndContinue() {
        RawStyx c = ramSessionWithManyFiles();
        List<String> seen = new ArrayList<>();
        long offset = 0;
        int chunks = 0;
        while (true) {
            byte[] data = c.read(1, offset, 300);
            if (data.length == 0) {
                break;
            }
            assertThat(data.length).isLessThanOrEqualTo(300);
            // decodeDirs fails on a torn entry: each chunk must hold whole entries only.
            seen.addAll(names(StyxWire.decodeDirs(data)));
            offset += data.length;
            chunks++;
        }
        assertThat(chunks).as("the listing needed several reads").isGreaterThan(5);
        assertThat(seen).hasSize(40).doesNotHaveDuplicates().contains("file-with-a-longish-name-0",
                "file-with-a-longish-name-39");
    }

    @Test
    void directoryReadAtANonContiguousOffsetIsRefused() {
        RawStyx c = ramSessionWithManyFiles();
        byte[] first = c.read(1, 0, 300);
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, first.length + 1, 300))).isEqualTo(Errors.BAD_DIR_OFFSET);
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 5, 300))).isEqualTo(Errors.BAD_DIR_OFFSET);
        assertThat(c.read(1, first.length, 300)).as("the right offset still works").isNotEmpty();
    }

    @Test
    void directoryReadBeforeOffsetZeroIsRefused() {
        RawStyx c = ramSessionWithManyFiles();
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 100, 300))).isEqualTo(Errors.BAD_DIR_OFFSET);
        c.assertServes(1);
    }

    @Test
    void directoryRereadAtOffsetZeroListsAfresh() {
        RawStyx c = ramSessionWithManyFiles();
        c.read(1, 0, 300);
        ram.put("d/newcomer", new byte[0]);
        List<String> all = new ArrayList<>();
        long offset = 0;
        for (byte[] data = c.read(1, 0, IOUNIT); data.length > 0; data = c.read(1, offset, IOUNIT)) {
            all.addAll(names(StyxWire.decodeDirs(data)));
            offset += data.length;
        }
        assertThat(all).hasSize(41).contains("newcomer");
    }

    @Test
    void directoryReadTooSmallForOneEntryIsAnErrorNotEndOfFile() {
        RawStyx c = ramSessionWithManyFiles();
        // A zero-byte answer would read as an empty directory; Plan 9 clients retry with a bigger count.
        assertThat(c.error(new Tmessage.Read(c.tag(), 1, 0, 10))).startsWith("read count 10 is too small");
        c.assertServes(1);
    }
}
