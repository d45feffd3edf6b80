package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact frames for every 9P2000 message. The expected bytes were worked out by hand from
 * intro(5) and stat(5) (little-endian integers, string = n[2] + UTF-8, stat = size[2] + fields),
 * never produced by the encoder, so a mistake shared by encoder and decoder still shows up here.
 */
class StyxWireGoldenTest {

    /** "héllo": é is U+00E9, two bytes in UTF-8. */
    static final String HELLO = "h\u00e9llo";
    /** U+1F600, a surrogate pair in Java and four bytes in UTF-8. */
    static final String GRIN = "\uD83D\uDE00";

    static Stream<Arguments> golden() {
        return Stream.of(
                // ---------------------------------------------------------------- version
                golden("Tversion", new Tmessage.Version(P9.NOTAG, 8192, "9P2000"), """
                        13 00 00 00                 # size = 19
                        64                          # Tversion = 100
                        ff ff                       # tag = NOTAG
                        00 20 00 00                 # msize = 8192
                        06 00 39 50 32 30 30 30     # version = "9P2000"
                        """),
                golden("Tversion msize 0xFFFFFFFF, empty version", new Tmessage.Version(0, 0xFFFFFFFF, ""), """
                        0d 00 00 00                 # size = 13
                        64                          # Tversion
                        00 00                       # tag = 0
                        ff ff ff ff                 # msize = 2^32-1
                        00 00                       # version = ""
                        """),
                golden("Rversion", new Rmessage.Version(P9.NOTAG, 0xFFFFFFFF, "9P2000"), """
                        13 00 00 00                 # size = 19
                        65                          # Rversion = 101
                        ff ff                       # tag = NOTAG
                        ff ff ff ff                 # msize = 2^32-1
                        06 00 39 50 32 30 30 30     # version = "9P2000"
                        """),
                // ---------------------------------------------------------------- auth
                golden("Tauth with UTF-8 uname", new Tmessage.Auth(1, 5, HELLO, ""), """
                        15 00 00 00                 # size = 21
                        66                          # Tauth = 102
                        01 00                       # tag = 1
                        05 00 00 00                 # afid = 5
                        06 00 68 c3 a9 6c 6c 6f     # uname = "héllo" (é = c3 a9)
                        00 00                       # aname = ""
                        """),
                golden("Rauth", new Rmessage.Auth(1, new Qid(P9.QTAUTH, 0, 0x0102030405060708L)), """
                        14 00 00 00                 # size = 20
                        67                          # Rauth = 103
                        01 00                       # tag = 1
                        08                          # aqid.type = QTAUTH
                        00 00 00 00                 # aqid.version = 0
                        08 07 06 05 04 03 02 01     # aqid.path = 0x0102030405060708
                        """),
                // ---------------------------------------------------------------- attach
                golden("Tattach with NOFID afid and emoji aname",
                        new Tmessage.Attach(2, 0, P9.NOFID, "glenda", GRIN), """
                        1d 00 00 00                 # size = 29
                        68                          # Tattach = 104
                        02 00                       # tag = 2
                        00 00 00 00                 # fid = 0
                        ff ff ff ff                 # afid = NOFID
                        06 00 67 6c 65 6e 64 61     # uname = "glenda"
                        04 00 f0 9f 98 80           # aname = U+1F600
                        """),
                golden("Rattach with qid path -1", new Rmessage.Attach(2, new Qid(P9.QTDIR, -1, -1L)), """
                        14 00 00 00                 # size = 20
                        69                          # Rattach = 105
                        02 00                       # tag = 2
                        80                          # qid.type = QTDIR
                        ff ff ff ff                 # qid.version = 2^32-1
                        ff ff ff ff ff ff ff ff     # qid.path = 2^64-1
                        """),
                // ---------------------------------------------------------------- error
                golden("Rerror", new Rmessage.Error(3, "file not found"), """
                        17 00 00 00                 # size = 23
                        6b                          # Rerror = 107
                        03 00                       # tag = 3
                        0e 00                       # ename length = 14
                        66 69 6c 65 20 6e 6f 74     # "file not"
                        20 66 6f 75 6e 64           # " found"
                        """),
                golden("Rerror empty, tag 0xFFFE", new Rmessage.Error(0xFFFE, ""), """
                        09 00 00 00                 # size = 9
                        6b                          # Rerror
                        fe ff                       # tag = 0xFFFE
                        00 00                       # ename = ""
                        """),
                golden("Rerror in CJK", new Rmessage.Error(3, "\u65e5\u672c"), """
                        0f 00 00 00                 # size = 15
                        6b                          # Rerror
                        03 00                       # tag = 3
                        06 00 e6 97 a5 e6 9c ac     # ename = U+65E5 U+672C, three bytes each
                        """),
                // ---------------------------------------------------------------- flush
                golden("Tflush", new Tmessage.Flush(4, 0xFFFF), """
                        09 00 00 00                 # size = 9
                        6c                          # Tflush = 108
                        04 00                       # tag = 4
                        ff ff                       # oldtag = 0xFFFF
                        """),
                golden("Rflush", new Rmessage.Flush(4), """
                        07 00 00 00                 # size = 7, header only
                        6d                          # Rflush = 109
                        04 00                       # tag = 4
                        """),
                // ---------------------------------------------------------------- walk
                golden("Twalk with no names (clones the fid)", new Tmessage.Walk(5, 1, 2, List.of()), """
                        11 00 00 00                 # size = 17
                        6e                          # Twalk = 110
                        05 00                       # tag = 5
                        01 00 00 00                 # fid = 1
                        02 00 00 00                 # newfid = 2
                        00 00                       # nwname = 0
                        """),
                golden("Twalk with UTF-8 names", new Tmessage.Walk(5, 1, 2, List.of("usr", HELLO, GRIN)), """
                        24 00 00 00                 # size = 36
                        6e                          # Twalk
                        05 00                       # tag = 5
                        01 00 00 00                 # fid = 1
                        02 00 00 00                 # newfid = 2
                        03 00                       # nwname = 3
                        03 00 75 73 72              # "usr"
                        06 00 68 c3 a9 6c 6c 6f     # "héllo"
                        04 00 f0 9f 98 80           # U+1F600
                        """),
                golden("Twalk with MAXWELEM names", new Tmessage.Walk(0xFFFE, 7, 8, List.of(
                        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p")), """
                        41 00 00 00                 # size = 17 + 16 * 3 = 65
                        6e                          # Twalk
                        fe ff                       # tag = 0xFFFE
                        07 00 00 00                 # fid = 7
                        08 00 00 00                 # newfid = 8
                        10 00                       # nwname = 16
                        01 00 61   01 00 62   01 00 63   01 00 64     # a b c d
                        01 00 65   01 00 66   01 00 67   01 00 68     # e f g h
                        01 00 69   01 00 6a   01 00 6b   01 00 6c     # i j k l
                        01 00 6d   01 00 6e   01 00 6f   01 00 70     # m n o p
                        """),
                golden("Rwalk with no qids", new Rmessage.Walk(5, List.of()), """
                        09 00 00 00                 # size = 9
                        6f                          # Rwalk = 111
                        05 00                       # tag = 5
                        00 00                       # nwqid = 0
                        """),
                golden("Rwalk with three qids", new Rmessage.Walk(5, List.of(
                        Qid.directory(1), new Qid(P9.QTFILE, 7, 0x1122334455667788L),
                        new Qid(P9.QTAPPEND | P9.QTEXCL, -1, Long.MIN_VALUE))), """
                        30 00 00 00                 # size = 9 + 3 * 13 = 48
                        6f                          # Rwalk
                        05 00                       # tag = 5
                        03 00                       # nwqid = 3
                        80 00 00 00 00              # QTDIR, version 0
                        01 00 00 00 00 00 00 00     #   path 1
                        00 07 00 00 00              # QTFILE, version 7
                        88 77 66 55 44 33 22 11     #   path 0x1122334455667788
                        60 ff ff ff ff              # QTAPPEND|QTEXCL, version 2^32-1
                        00 00 00 00 00 00 00 80     #   path 2^63, top bit set
                        """),
                // ---------------------------------------------------------------- open / create
                golden("Topen", new Tmessage.Open(6, 3, P9.OREAD | P9.OTRUNC), """
                        0c 00 00 00                 # size = 12
                        70                          # Topen = 112
                        06 00                       # tag = 6
                        03 00 00 00                 # fid = 3
                        10                          # mode = OTRUNC
                        """),
                golden("Ropen", new Rmessage.Open(6, new Qid(P9.QTFILE, 1, 3), 8168), """
                        18 00 00 00                 # size = 24
                        71                          # Ropen = 113
                        06 00                       # tag = 6
                        00 01 00 00 00              # qid: QTFILE, version 1
                        03 00 00 00 00 00 00 00     #   path 3
                        e8 1f 00 00                 # iounit = 8168
                        """),
                golden("Tcreate directory", new Tmessage.Create(7, 3, HELLO, P9.DMDIR | 0755, P9.OREAD), """
                        18 00 00 00                 # size = 24
                        72                          # Tcreate = 114
                        07 00                       # tag = 7
                        03 00 00 00                 # fid = 3
                        06 00 68 c3 a9 6c 6c 6f     # name = "héllo"
                        ed 01 00 80                 # perm = DMDIR | 0755
                        00                          # mode = OREAD
                        """),
                golden("Rcreate", new Rmessage.Create(7, Qid.directory(9), 0), """
                        18 00 00 00                 # size = 24
                        73                          # Rcreate = 115
                        07 00                       # tag = 7
                        80 00 00 00 00              # qid: QTDIR, version 0
                        09 00 00 00 00 00 00 00     #   path 9
                        00 00 00 00                 # iounit = 0 (no limit stated)
                        """),
                // ---------------------------------------------------------------- read / write
                golden("Tread with top bit of offset set", new Tmessage.Read(8, 3, 0x8000000000000001L, 8192), """
                        17 00 00 00                 # size = 23
                        74                          # Tread = 116
                        08 00                       # tag = 8
                        03 00 00 00                 # fid = 3
                        01 00 00 00 00 00 00 80     # offset = 2^63 + 1
                        00 20 00 00                 # count = 8192
                        """),
                golden("Rread of nothing (end of file)", new Rmessage.Read(8, new byte[0]), """
                        0b 00 00 00                 # size = 11
                        75                          # Rread = 117
                        08 00                       # tag = 8
                        00 00 00 00                 # count = 0
                        """),
                golden("Rread of binary data with NULs",
                        new Rmessage.Read(8, new byte[] {0x00, (byte) 0xff, 0x00, 0x0a, (byte) 0x80}), """
                        10 00 00 00                 # size = 16
                        75                          # Rread
                        08 00                       # tag = 8
                        05 00 00 00                 # count = 5
                        00 ff 00 0a 80              # data
                        """),
                golden("Twrite of nothing", new Tmessage.Write(9, 3, 0, new byte[0]), """
                        17 00 00 00                 # size = 23
                        76                          # Twrite = 118
                        09 00                       # tag = 9
                        03 00 00 00                 # fid = 3
                        00 00 00 00 00 00 00 00     # offset = 0
                        00 00 00 00                 # count = 0
                        """),
                golden("Twrite of binary data, NOFID, offset -1",
                        new Tmessage.Write(9, P9.NOFID, -1L, new byte[] {0x00, 0x00, 0x01, (byte) 0xfe}), """
                        1b 00 00 00                 # size = 27
                        76                          # Twrite
                        09 00                       # tag = 9
                        ff ff ff ff                 # fid = NOFID
                        ff ff ff ff ff ff ff ff     # offset = 2^64-1
                        04 00 00 00                 # count = 4
                        00 00 01 fe                 # data
                        """),
                golden("Rwrite with count 0xFFFFFFFF", new Rmessage.Write(9, 0xFFFFFFFF), """
                        0b 00 00 00                 # size = 11
                        77                          # Rwrite = 119
                        09 00                       # tag = 9
                        ff ff ff ff                 # count = 2^32-1
                        """),
                // ---------------------------------------------------------------- clunk / remove / stat
                golden("Tclunk NOFID", new Tmessage.Clunk(10, P9.NOFID), """
                        0b 00 00 00                 # size = 11
                        78                          # Tclunk = 120
                        0a 00                       # tag = 10
                        ff ff ff ff                 # fid = NOFID
                        """),
                golden("Rclunk", new Rmessage.Clunk(10), """
                        07 00 00 00                 # size = 7
                        79                          # Rclunk = 121
                        0a 00                       # tag = 10
                        """),
                golden("Tremove", new Tmessage.Remove(11, 0x12345678), """
                        0b 00 00 00                 # size = 11
                        7a                          # Tremove = 122
                        0b 00                       # tag = 11
                        78 56 34 12                 # fid = 0x12345678
                        """),
                golden("Rremove", new Rmessage.Remove(11), """
                        07 00 00 00                 # size = 7
                        7b                          # Rremove = 123
                        0b 00                       # tag = 11
                        """),
                golden("Tstat", new Tmessage.Stat(12, 1), """
                        0b 00 00 00                 # size = 11
                        7c                          # Tstat = 124
                        0c 00                       # tag = 12
                        01 00 00 00                 # fid = 1
                        """),
                golden("Rstat", new Rmessage.Stat(12, new Dir(0, 0, new Qid(P9.QTFILE, 2, 42), 0644,
                        1700000000, 1700000001, 11, HELLO, "glenda", "sys", "")), """
                        49 00 00 00                 # size = 7 + 2 + 64 = 73
                        7d                          # Rstat = 125
                        0c 00                       # tag = 12
                        40 00                       # n = 64, the whole stat below
                        3e 00                       # stat size = 62, the bytes after itself
                        00 00                       # type
                        00 00 00 00                 # dev
                        00 02 00 00 00              # qid: QTFILE, version 2
                        2a 00 00 00 00 00 00 00     #   path 42
                        a4 01 00 00                 # mode = 0644
                        00 f1 53 65                 # atime = 1700000000
                        01 f1 53 65                 # mtime = 1700000001
                        0b 00 00 00 00 00 00 00     # length = 11
                        06 00 68 c3 a9 6c 6c 6f     # name = "héllo"
                        06 00 67 6c 65 6e 64 61     # uid = "glenda"
                        03 00 73 79 73              # gid = "sys"
                        00 00                       # muid = ""
                        """),
                golden("Twstat that changes nothing", new Tmessage.Wstat(13, 4, Dir.dontTouch()), """
                        3e 00 00 00                 # size = 7 + 4 + 2 + 49 = 62
                        7e                          # Twstat = 126
                        0d 00                       # tag = 13
                        04 00 00 00                 # fid = 4
                        31 00                       # n = 49
                        2f 00                       # stat size = 47, the fixed part and four empty strings
                        ff ff                       # type = ~0
                        ff ff ff ff                 # dev = ~0
                        ff ff ff ff ff              # qid.type, qid.version = ~0
                        ff ff ff ff ff ff ff ff     # qid.path = ~0
                        ff ff ff ff                 # mode = ~0
                        ff ff ff ff                 # atime = ~0
                        ff ff ff ff                 # mtime = ~0
                        ff ff ff ff ff ff ff ff     # length = ~0
                        00 00  00 00  00 00  00 00  # name, uid, gid, muid = ""
                        """),
                golden("Twstat rename", new Tmessage.Wstat(13, 4, Dir.dontTouch().withName("new" + GRIN)), """
                        45 00 00 00                 # size = 7 + 4 + 2 + 56 = 69
                        7e                          # Twstat
                        0d 00                       # tag = 13
                        04 00 00 00                 # fid = 4
                        38 00                       # n = 56
                        36 00                       # stat size = 54
                        ff ff ff ff ff ff           # type, dev
                        ff ff ff ff ff ff ff ff ff ff ff ff ff   # qid
                        ff ff ff ff ff ff ff ff ff ff ff ff     # mode, atime, mtime
                        ff ff ff ff ff ff ff ff     # length
                        07 00 6e 65 77 f0 9f 98 80  # name = "new" U+1F600
                        00 00  00 00  00 00         # uid, gid, muid = ""
                        """),
                golden("Rwstat", new Rmessage.Wstat(13), """
                        07 00 00 00                 # size = 7
                        7f                          # Rwstat = 127
                        0d 00                       # tag = 13
                        """));
    }

    private static Arguments golden(String name, Message m, String hex) {
        return Arguments.of(name, m, Hex.bytes(hex));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void encodesToTheExactBytes(String name, Message m, byte[] expected) {
        assertThat(Hex.of(Hex.encode(m))).isEqualTo(Hex.of(expected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void sizeIsTheFrameLength(String name, Message m, byte[] expected) {
        assertThat(StyxWire.size(m)).isEqualTo(expected.length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void decodesToTheSameMessage(String name, Message m, byte[] expected) {
        Message decoded = Hex.decode(expected);
        assertThat(decoded).isEqualTo(m);
        assertThat(decoded.type()).isEqualTo(m.type());
        assertThat(decoded.tag()).isEqualTo(m.tag());
    }

    /** A golden frame and the dialect it is read and written in. */
    record Golden(String name, Dialect dialect, Message message, byte[] frame) {}

    /** The 9P2000 frames above and {@link DialectGoldenTest}'s .u and .L frames together. */
    static Stream<Golden> everyGolden() {
        return Stream.concat(
                golden().map(a -> new Golden((String) a.get()[0], Dialect.P9_2000, (Message) a.get()[1],
                        (byte[]) a.get()[2])),
                DialectGoldenTest.golden().map(a -> new Golden((String) a.get()[0], (Dialect) a.get()[1],
                        (Message) a.get()[2], (byte[]) a.get()[3])));
    }

    /** The lists are meant to be exhaustive: a new record without a golden frame fails here. */
    @Test
    void everyMessageRecordHasAGoldenFrame() {
        Set<Class<?>> covered = everyGolden().map(g -> g.message().getClass()).collect(Collectors.toSet());
        Set<Class<?>> all = new HashSet<>();
        all.addAll(Arrays.asList(Tmessage.class.getPermittedSubclasses()));
        all.addAll(Arrays.asList(Rmessage.class.getPermittedSubclasses()));
        // 27 of 9P2000, 19 requests and 20 replies of 9P2000.L (Rlerror has no request)
        assertThat(all).hasSize(27 + 39);
        assertThat(covered).containsExactlyInAnyOrderElementsOf(all);

        Set<MessageType> types = everyGolden().map(g -> g.message().type()).collect(Collectors.toSet());
        assertThat(types).hasSize(MessageType.values().length - 2)
                .doesNotContain(MessageType.TERROR, MessageType.TLERROR);
        // The 9P2000 list above holds 9P2000 only; a .L message has its frame in .L.
        assertThat(golden().map(a -> ((Message) a.get()[1]).type()))
                .allMatch(t -> MessageType.of(t.code(), Dialect.P9_2000) == t);
        everyGolden().filter(g -> MessageType.of(g.message().type().code(), Dialect.P9_2000) == null)
                .forEach(g -> assertThat(g.dialect()).as(g.name()).isEqualTo(Dialect.L));
    }

    /** A directory read returns stat entries back to back, each with its own size[2] and nothing else. */
    @Test
    void directoryDataIsASequenceOfStats() {
        byte[] data = Hex.bytes("""
                2f 00                                     # stat size = 47
                00 00  00 00 00 00                        # type, dev
                80 00 00 00 00  01 00 00 00 00 00 00 00   # qid: QTDIR, version 0, path 1
                ed 01 00 80                               # mode = DMDIR | 0755
                00 00 00 00  00 00 00 00                  # atime, mtime
                00 00 00 00 00 00 00 00                   # length
                00 00  00 00  00 00  00 00                # four empty strings
                30 00                                     # stat size = 48
                00 00  00 00 00 00                        # type, dev
                00 00 00 00 00  02 00 00 00 00 00 00 00   # qid: QTFILE, version 0, path 2
                a4 01 00 00                               # mode = 0644
                00 00 00 00  00 00 00 00                  # atime, mtime
                05 00 00 00 00 00 00 00                   # length = 5
                01 00 78  00 00  00 00  00 00             # name = "x", then empty uid, gid, muid
                """);
        Dir d1 = new Dir(0, 0, Qid.directory(1), P9.DMDIR | 0755, 0, 0, 0, "", "", "", "");
        Dir d2 = new Dir(0, 0, Qid.file(2), 0644, 0, 0, 5, "x", "", "", "");

        assertThat(StyxWire.decodeDirs(data)).containsExactly(d1, d2);
        assertThat(StyxWire.dirSize(d1) + StyxWire.dirSize(d2)).isEqualTo(data.length);
        ByteBuf buf = Unpooled.buffer();
        StyxWire.writeDir(buf, d1);
        StyxWire.writeDir(buf, d2);
        assertThat(Hex.of(ByteBufUtil.getBytes(buf))).isEqualTo(Hex.of(data));
        buf.release();
        assertThat(StyxWire.decodeDirs(new byte[0])).isEmpty();
    }
}
