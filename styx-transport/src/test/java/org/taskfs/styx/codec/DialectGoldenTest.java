package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.taskfs.styx.codec.StyxWireGoldenTest.HELLO;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact frames for every 9P2000.L message and for the 9P2000.u forms of the messages .u extends, in the
 * style of {@link StyxWireGoldenTest}. The bytes were worked out by hand from the layouts in
 * dialects.md 1.3-1.5 (the kernel's format strings: "A" for Rgetattr, "I" for Tsetattr, "Qqbs" for a
 * dirent, "wwdQdddqssss?sugu" for the .u stat), never produced by the encoder. Field values are chosen
 * distinct from their neighbours so that two swapped fields cannot pass.
 */
class DialectGoldenTest {

    /** Two Rreaddir entries: "." (a directory) and "héllo" (a regular file). */
    static final String DIRENTS = """
            80 00 00 00 00              # qid: QTDIR, version 0
            01 00 00 00 00 00 00 00     #   path 1
            01 00 00 00 00 00 00 00     # offset = 1, where the next Treaddir goes on
            04                          # type = DT_DIR
            01 00 2e                    # name = "."
            00 00 00 00 00              # qid: QTFILE, version 0
            20 00 00 00 00 00 00 00     #   path 0x20
            02 00 00 00 00 00 00 00     # offset = 2
            08                          # type = DT_REG
            06 00 68 c3 a9 6c 6c 6f     # name = "héllo"
            """;
    static final Dirent DOT = new Dirent(Qid.directory(1), 1, Dirent.DT_DIR, ".");
    static final Dirent HELLO_ENTRY = new Dirent(Qid.file(0x20), 2, Dirent.DT_REG, HELLO);

    /** A .u symbolic link: the extension is its target, n_muid unknown. */
    static final Dir SYMLINK = new Dir(0, 0, new Qid(0x02, 0, 7), P9.DMSYMLINK | 0777, 1700000000, 1700000001,
            11, "ln", "glenda", "sys", "", "/etc/passwd", 1000, 3, P9.NONUNAME);

    /** The extended stat of {@link #SYMLINK}, its size[2] first. */
    static final String SYMLINK_STAT = """
            53 00                       # stat size = 83, the bytes after itself
            00 00                       # type
            00 00 00 00                 # dev
            02 00 00 00 00              # qid: QTSYMLINK, version 0
            07 00 00 00 00 00 00 00     #   path 7
            ff 01 00 02                 # mode = DMSYMLINK | 0777
            00 f1 53 65                 # atime = 1700000000
            01 f1 53 65                 # mtime = 1700000001
            0b 00 00 00 00 00 00 00     # length = 11
            02 00 6c 6e                 # name = "ln"
            06 00 67 6c 65 6e 64 61     # uid = "glenda"
            03 00 73 79 73              # gid = "sys"
            00 00                       # muid = ""
            0b 00 2f 65 74 63 2f 70 61 73 73 77 64   # extension = "/etc/passwd"
            e8 03 00 00                 # n_uid = 1000
            03 00 00 00                 # n_gid = 3
            ff ff ff ff                 # n_muid = NONUNAME
            """;

    static Stream<Arguments> golden() {
        Dialect u = Dialect.U;
        Dialect l = Dialect.L;
        return Stream.of(
                // ================================================================ 9P2000.u
                golden("Tauth .u, diod's", u, new Tmessage.Auth(1, 5, "", "ctl", 1000), """
                        16 00 00 00                 # size = 22
                        66                          # Tauth = 102
                        01 00                       # tag = 1
                        05 00 00 00                 # afid = 5
                        00 00                       # uname = ""
                        03 00 63 74 6c              # aname = "ctl"
                        e8 03 00 00                 # n_uname = 1000
                        """),
                golden("Tattach .u", u, new Tmessage.Attach(2, 1, P9.NOFID, "glenda", "/", 1001), """
                        1e 00 00 00                 # size = 30
                        68                          # Tattach = 104
                        02 00                       # tag = 2
                        01 00 00 00                 # fid = 1
                        ff ff ff ff                 # afid = NOFID
                        06 00 67 6c 65 6e 64 61     # uname = "glenda"
                        01 00 2f                    # aname = "/"
                        e9 03 00 00                 # n_uname = 1001
                        """),
                golden("Tcreate .u symlink", u,
                        new Tmessage.Create(7, 3, "ln", P9.DMSYMLINK | 0777, P9.OREAD, "/etc/passwd"), """
                        21 00 00 00                 # size = 33
                        72                          # Tcreate = 114
                        07 00                       # tag = 7
                        03 00 00 00                 # fid = 3
                        02 00 6c 6e                 # name = "ln"
                        ff 01 00 02                 # perm = DMSYMLINK | 0777
                        00                          # mode = OREAD
                        0b 00 2f 65 74 63 2f 70 61 73 73 77 64   # extension = "/etc/passwd"
                        """),
                golden("Tcreate .u device", u,
                        new Tmessage.Create(8, 3, "null", P9.DMDEVICE | 0666, P9.OWRITE, "c 1 3"), """
                        1d 00 00 00                 # size = 29
                        72                          # Tcreate
                        08 00                       # tag = 8
                        03 00 00 00                 # fid = 3
                        04 00 6e 75 6c 6c           # name = "null"
                        b6 01 80 00                 # perm = DMDEVICE | 0666
                        01                          # mode = OWRITE
                        05 00 63 20 31 20 33        # extension = "c 1 3"
                        """),
                golden("Rerror .u", u, new Rmessage.Error(3, "file not found", 2), """
                        1b 00 00 00                 # size = 27
                        6b                          # Rerror = 107
                        03 00                       # tag = 3
                        0e 00                       # ename length = 14
                        66 69 6c 65 20 6e 6f 74     # "file not"
                        20 66 6f 75 6e 64           # " found"
                        02 00 00 00                 # errno = ENOENT
                        """),
                golden("Rstat .u", u, new Rmessage.Stat(12, SYMLINK), """
                        5e 00 00 00                 # size = 7 + 2 + 85 = 94
                        7d                          # Rstat = 125
                        0c 00                       # tag = 12
                        55 00                       # n = 85, the whole stat below
                        """ + SYMLINK_STAT),
                golden("Twstat .u truncation (the kernel's O_TRUNC)", u,
                        new Tmessage.Wstat(13, 4, Dir.dontTouch().withLength(0)), """
                        4c 00 00 00                 # size = 7 + 4 + 2 + 63 = 76
                        7e                          # Twstat = 126
                        0d 00                       # tag = 13
                        04 00 00 00                 # fid = 4
                        3f 00                       # n = 63
                        3d 00                       # stat size = 61: fixed part, five empty strings, three ids
                        ff ff                       # type = ~0
                        ff ff ff ff                 # dev = ~0
                        ff ff ff ff ff              # qid.type, qid.version = ~0
                        ff ff ff ff ff ff ff ff     # qid.path = ~0
                        ff ff ff ff                 # mode = ~0
                        ff ff ff ff                 # atime = ~0
                        ff ff ff ff                 # mtime = ~0
                        00 00 00 00 00 00 00 00     # length = 0
                        00 00  00 00  00 00  00 00  # name, uid, gid, muid = ""
                        00 00                       # extension = ""
                        ff ff ff ff                 # n_uid = ~0
                        ff ff ff ff                 # n_gid = ~0
                        ff ff ff ff                 # n_muid = ~0
                        """),
                // ================================================================ 9P2000.L: what it keeps
                golden("Tversion .L", l, new Tmessage.Version(P9.NOTAG, 131072, "9P2000.L"), """
                        15 00 00 00                 # size = 21
                        64                          # Tversion = 100
                        ff ff                       # tag = NOTAG
                        00 00 02 00                 # msize = 128 KiB
                        08 00 39 50 32 30 30 30 2e 4c   # version = "9P2000.L"
                        """),
                golden("Tattach .L, the .u frame", l, new Tmessage.Attach(2, 1, P9.NOFID, "glenda", "/", 1001), """
                        1e 00 00 00                 # size = 30
                        68                          # Tattach = 104
                        02 00                       # tag = 2
                        01 00 00 00                 # fid = 1
                        ff ff ff ff                 # afid = NOFID
                        06 00 67 6c 65 6e 64 61     # uname = "glenda"
                        01 00 2f                    # aname = "/"
                        e9 03 00 00                 # n_uname = 1001
                        """),
                golden("Tattach .L, the kernel's mount", l,
                        new Tmessage.Attach(1, 0, P9.NOFID, "nobody", "", P9.NONUNAME), """
                        1d 00 00 00                 # size = 29
                        68                          # Tattach
                        01 00                       # tag = 1
                        00 00 00 00                 # fid = 0
                        ff ff ff ff                 # afid = NOFID
                        06 00 6e 6f 62 6f 64 79     # uname = "nobody"
                        00 00                       # aname = ""
                        ff ff ff ff                 # n_uname = NONUNAME: use uname
                        """),
                // ================================================================ 9P2000.L's own
                golden("Rlerror ENOENT", l, new Rmessage.Lerror(20, 2), """
                        0b 00 00 00                 # size = 11
                        07                          # Rlerror = 7
                        14 00                       # tag = 20
                        02 00 00 00                 # ecode = ENOENT
                        """),
                golden("Rlerror EOPNOTSUPP, tag NOTAG", l, new Rmessage.Lerror(P9.NOTAG, 95), """
                        0b 00 00 00                 # size = 11
                        07                          # Rlerror
                        ff ff                       # tag = NOTAG
                        5f 00 00 00                 # ecode = 95
                        """),
                golden("Tstatfs", l, new Tmessage.Statfs(1, 10), """
                        0b 00 00 00                 # size = 11
                        08                          # Tstatfs = 8
                        01 00                       # tag = 1
                        0a 00 00 00                 # fid = 10
                        """),
                golden("Rstatfs", l, new Rmessage.Statfs(1, 0x01021997, 4096, 1L << 32, 1000, 999,
                        0x0102030405060708L, -1L, Long.MIN_VALUE, 255), """
                        43 00 00 00                 # size = 7 + 60 = 67
                        09                          # Rstatfs = 9
                        01 00                       # tag = 1
                        97 19 02 01                 # type = V9FS_MAGIC 0x01021997
                        00 10 00 00                 # bsize = 4096
                        00 00 00 00 01 00 00 00     # blocks = 2^32
                        e8 03 00 00 00 00 00 00     # bfree = 1000
                        e7 03 00 00 00 00 00 00     # bavail = 999
                        08 07 06 05 04 03 02 01     # files = 0x0102030405060708
                        ff ff ff ff ff ff ff ff     # ffree = 2^64-1
                        00 00 00 00 00 00 00 80     # fsid = 2^63
                        ff 00 00 00                 # namelen = 255
                        """),
                golden("Tlopen of a directory, as ls opens it", l, new Tmessage.Lopen(2, 3, 04000 | 0200000 | 0100000 | 02000000), """
                        0f 00 00 00                 # size = 15
                        0c                          # Tlopen = 12
                        02 00                       # tag = 2
                        03 00 00 00                 # fid = 3
                        00 88 09 00                 # flags = NONBLOCK 0x800 | LARGEFILE 0x8000 | DIRECTORY 0x10000 | CLOEXEC 0x80000
                        """),
                golden("Rlopen", l, new Rmessage.Lopen(2, Qid.directory(0x2a), 8168), """
                        18 00 00 00                 # size = 24
                        0d                          # Rlopen = 13
                        02 00                       # tag = 2
                        80 00 00 00 00              # qid: QTDIR, version 0
                        2a 00 00 00 00 00 00 00     #   path 42
                        e8 1f 00 00                 # iounit = 8168
                        """),
                golden("Tlcreate", l, new Tmessage.Lcreate(3, 4, HELLO, 01 | 0100 | 0200 | 0100000, 0100644, 1000), """
                        1f 00 00 00                 # size = 31
                        0e                          # Tlcreate = 14
                        03 00                       # tag = 3
                        04 00 00 00                 # fid = 4
                        06 00 68 c3 a9 6c 6c 6f     # name = "héllo"
                        c1 80 00 00                 # flags = WRONLY | CREAT 0x40 | EXCL 0x80 | LARGEFILE 0x8000
                        a4 81 00 00                 # mode = S_IFREG | 0644
                        e8 03 00 00                 # gid = 1000
                        """),
                golden("Rlcreate", l, new Rmessage.Lcreate(3, new Qid(P9.QTFILE, 1, 0x0102030405060708L), 0), """
                        18 00 00 00                 # size = 24
                        0f                          # Rlcreate = 15
                        03 00                       # tag = 3
                        00 01 00 00 00              # qid: QTFILE, version 1
                        08 07 06 05 04 03 02 01     #   path 0x0102030405060708
                        00 00 00 00                 # iounit = 0
                        """),
                golden("Tsymlink", l, new Tmessage.Symlink(4, 5, "ln", "../t/x", 100), """
                        1b 00 00 00                 # size = 27
                        10                          # Tsymlink = 16
                        04 00                       # tag = 4
                        05 00 00 00                 # fid = 5
                        02 00 6c 6e                 # name = "ln"
                        06 00 2e 2e 2f 74 2f 78     # symtgt = "../t/x"
                        64 00 00 00                 # gid = 100
                        """),
                golden("Rsymlink", l, new Rmessage.Symlink(4, new Qid(0x02, 0, 7)), """
                        14 00 00 00                 # size = 20
                        11                          # Rsymlink = 17
                        04 00                       # tag = 4
                        02 00 00 00 00              # qid: QTSYMLINK, version 0
                        07 00 00 00 00 00 00 00     #   path 7
                        """),
                golden("Tmknod /dev/null", l, new Tmessage.Mknod(5, 6, "null", 020666, 1, 3, 5), """
                        21 00 00 00                 # size = 33
                        12                          # Tmknod = 18
                        05 00                       # tag = 5
                        06 00 00 00                 # dfid = 6
                        04 00 6e 75 6c 6c           # name = "null"
                        b6 21 00 00                 # mode = S_IFCHR | 0666
                        01 00 00 00                 # major = 1
                        03 00 00 00                 # minor = 3
                        05 00 00 00                 # gid = 5
                        """),
                golden("Rmknod", l, new Rmessage.Mknod(5, Qid.file(0x99)), """
                        14 00 00 00                 # size = 20
                        13                          # Rmknod = 19
                        05 00                       # tag = 5
                        00 00 00 00 00              # qid: QTFILE, version 0
                        99 00 00 00 00 00 00 00     #   path 0x99
                        """),
                golden("Trename", l, new Tmessage.Rename(6, 7, 8, "new"), """
                        14 00 00 00                 # size = 20
                        14                          # Trename = 20
                        06 00                       # tag = 6
                        07 00 00 00                 # fid = 7
                        08 00 00 00                 # dfid = 8
                        03 00 6e 65 77              # name = "new"
                        """),
                golden("Rrename", l, new Rmessage.Rename(6), """
                        07 00 00 00                 # size = 7
                        15                          # Rrename = 21
                        06 00                       # tag = 6
                        """),
                golden("Treadlink", l, new Tmessage.Readlink(7, 9), """
                        0b 00 00 00                 # size = 11
                        16                          # Treadlink = 22
                        07 00                       # tag = 7
                        09 00 00 00                 # fid = 9
                        """),
                golden("Rreadlink", l, new Rmessage.Readlink(7, "/usr/lib"), """
                        11 00 00 00                 # size = 17
                        17                          # Rreadlink = 23
                        07 00                       # tag = 7
                        08 00 2f 75 73 72 2f 6c 69 62   # target = "/usr/lib"
                        """),
                golden("Tgetattr ALL", l, new Tmessage.Getattr(8, 9, 0x3fff), """
                        13 00 00 00                 # size = 19
                        18                          # Tgetattr = 24
                        08 00                       # tag = 8
                        09 00 00 00                 # fid = 9
                        ff 3f 00 00 00 00 00 00     # request_mask = ALL 0x3fff
                        """),
                golden("Rgetattr, all 20 fields", l, new Rmessage.Getattr(8, 0x17ff, new Qid(P9.QTFILE, 3, 0x11),
                        0100644, 1000, 1001, 1, 0x0103, 0x100000005L, 4096, 8,
                        1700000000, 999999999, 1700000001, 1, 1700000002, 2,
                        1600000000, 3, 0x0102030405060708L, -1L), """
                        a0 00 00 00                 # size = 7 + 153 = 160
                        19                          # Rgetattr = 25
                        08 00                       # tag = 8
                        ff 17 00 00 00 00 00 00     # valid = BASIC | GEN 0x17ff
                        00 03 00 00 00              # qid: QTFILE, version 3
                        11 00 00 00 00 00 00 00     #   path 0x11
                        a4 81 00 00                 # mode = S_IFREG | 0644
                        e8 03 00 00                 # uid = 1000
                        e9 03 00 00                 # gid = 1001
                        01 00 00 00 00 00 00 00     # nlink = 1
                        03 01 00 00 00 00 00 00     # rdev = 0x103
                        05 00 00 00 01 00 00 00     # size = 2^32 + 5
                        00 10 00 00 00 00 00 00     # blksize = 4096
                        08 00 00 00 00 00 00 00     # blocks = 8
                        00 f1 53 65 00 00 00 00     # atime_sec = 1700000000
                        ff c9 9a 3b 00 00 00 00     # atime_nsec = 999999999
                        01 f1 53 65 00 00 00 00     # mtime_sec = 1700000001
                        01 00 00 00 00 00 00 00     # mtime_nsec = 1
                        02 f1 53 65 00 00 00 00     # ctime_sec = 1700000002
                        02 00 00 00 00 00 00 00     # ctime_nsec = 2
                        00 10 5e 5f 00 00 00 00     # btime_sec = 1600000000
                        03 00 00 00 00 00 00 00     # btime_nsec = 3
                        08 07 06 05 04 03 02 01     # gen = 0x0102030405060708
                        ff ff ff ff ff ff ff ff     # data_version = 2^64-1
                        """),
                golden("Tsetattr", l, new Tmessage.Setattr(9, 10, 0x1bf, 0755, P9.NONUNAME, 2, 0x100,
                        1700000000, 500, Long.MAX_VALUE, 0x0102030405060708L), """
                        43 00 00 00                 # size = 7 + 60 = 67
                        1a                          # Tsetattr = 26
                        09 00                       # tag = 9
                        0a 00 00 00                 # fid = 10
                        bf 01 00 00                 # valid = MODE|UID|GID|SIZE|ATIME|MTIME|ATIME_SET|MTIME_SET
                        ed 01 00 00                 # mode = 0755
                        ff ff ff ff                 # uid = ~0
                        02 00 00 00                 # gid = 2
                        00 01 00 00 00 00 00 00     # size = 256
                        00 f1 53 65 00 00 00 00     # atime_sec = 1700000000
                        f4 01 00 00 00 00 00 00     # atime_nsec = 500
                        ff ff ff ff ff ff ff 7f     # mtime_sec = 2^63-1
                        08 07 06 05 04 03 02 01     # mtime_nsec = 0x0102030405060708
                        """),
                golden("Rsetattr", l, new Rmessage.Setattr(9), """
                        07 00 00 00                 # size = 7
                        1b                          # Rsetattr = 27
                        09 00                       # tag = 9
                        """),
                golden("Txattrwalk", l, new Tmessage.Xattrwalk(10, 1, 2, "security.selinux"), """
                        21 00 00 00                 # size = 33
                        1e                          # Txattrwalk = 30
                        0a 00                       # tag = 10
                        01 00 00 00                 # fid = 1
                        02 00 00 00                 # newfid = 2
                        10 00                       # name length = 16
                        73 65 63 75 72 69 74 79     # "security"
                        2e 73 65 6c 69 6e 75 78     # ".selinux"
                        """),
                golden("Rxattrwalk", l, new Rmessage.Xattrwalk(10, 0x10000), """
                        0f 00 00 00                 # size = 15
                        1f                          # Rxattrwalk = 31
                        0a 00                       # tag = 10
                        00 00 01 00 00 00 00 00     # size = 65536
                        """),
                golden("Txattrcreate", l, new Tmessage.Xattrcreate(11, 2, "user.x", 5, 1), """
                        1f 00 00 00                 # size = 31
                        20                          # Txattrcreate = 32
                        0b 00                       # tag = 11
                        02 00 00 00                 # fid = 2
                        06 00 75 73 65 72 2e 78     # name = "user.x"
                        05 00 00 00 00 00 00 00     # attr_size = 5
                        01 00 00 00                 # flags = XATTR_CREATE
                        """),
                golden("Rxattrcreate", l, new Rmessage.Xattrcreate(11), """
                        07 00 00 00                 # size = 7
                        21                          # Rxattrcreate = 33
                        0b 00                       # tag = 11
                        """),
                golden("Treaddir", l, new Tmessage.Readdir(12, 3, 2, 8168), """
                        17 00 00 00                 # size = 23
                        28                          # Treaddir = 40
                        0c 00                       # tag = 12
                        03 00 00 00                 # fid = 3
                        02 00 00 00 00 00 00 00     # offset = 2
                        e8 1f 00 00                 # count = 8168
                        """),
                golden("Rreaddir of two entries", l, new Rmessage.Readdir(12, Hex.bytes(DIRENTS)), """
                        42 00 00 00                 # size = 7 + 4 + 25 + 30 = 66
                        29                          # Rreaddir = 41
                        0c 00                       # tag = 12
                        37 00 00 00                 # count = 55
                        """ + DIRENTS),
                golden("Rreaddir at the end", l, new Rmessage.Readdir(13, new byte[0]), """
                        0b 00 00 00                 # size = 11
                        29                          # Rreaddir
                        0d 00                       # tag = 13
                        00 00 00 00                 # count = 0
                        """),
                golden("Tfsync", l, new Tmessage.Fsync(13, 4, 1), """
                        0f 00 00 00                 # size = 15
                        32                          # Tfsync = 50
                        0d 00                       # tag = 13
                        04 00 00 00                 # fid = 4
                        01 00 00 00                 # datasync = 1
                        """),
                golden("Rfsync", l, new Rmessage.Fsync(13), """
                        07 00 00 00                 # size = 7
                        33                          # Rfsync = 51
                        0d 00                       # tag = 13
                        """),
                golden("Tlock", l, new Tmessage.Lock(14, 5, 2, 1, 100, 0x200, 4321, "host"), """
                        2a 00 00 00                 # size = 42
                        34                          # Tlock = 52
                        0e 00                       # tag = 14
                        05 00 00 00                 # fid = 5
                        02                          # type = UNLCK
                        01 00 00 00                 # flags = BLOCK
                        64 00 00 00 00 00 00 00     # start = 100
                        00 02 00 00 00 00 00 00     # length = 512
                        e1 10 00 00                 # proc_id = 4321
                        04 00 68 6f 73 74           # client_id = "host"
                        """),
                golden("Rlock", l, new Rmessage.Lock(14, 1), """
                        08 00 00 00                 # size = 8
                        35                          # Rlock = 53
                        0e 00                       # tag = 14
                        01                          # status = BLOCKED
                        """),
                golden("Tgetlock", l, new Tmessage.Getlock(15, 5, 1, 0x10, -1L, 77, "node1"), """
                        27 00 00 00                 # size = 39
                        36                          # Tgetlock = 54
                        0f 00                       # tag = 15
                        05 00 00 00                 # fid = 5
                        01                          # type = WRLCK
                        10 00 00 00 00 00 00 00     # start = 16
                        ff ff ff ff ff ff ff ff     # length = 2^64-1
                        4d 00 00 00                 # proc_id = 77
                        05 00 6e 6f 64 65 31        # client_id = "node1"
                        """),
                golden("Rgetlock", l, new Rmessage.Getlock(15, 2, 0x10, 0x20, 99, "node2"), """
                        23 00 00 00                 # size = 35
                        37                          # Rgetlock = 55
                        0f 00                       # tag = 15
                        02                          # type = UNLCK
                        10 00 00 00 00 00 00 00     # start = 16
                        20 00 00 00 00 00 00 00     # length = 32
                        63 00 00 00                 # proc_id = 99
                        05 00 6e 6f 64 65 32        # client_id = "node2"
                        """),
                golden("Tlink", l, new Tmessage.Link(16, 1, 2, "hard"), """
                        15 00 00 00                 # size = 21
                        46                          # Tlink = 70
                        10 00                       # tag = 16
                        01 00 00 00                 # dfid = 1
                        02 00 00 00                 # fid = 2
                        04 00 68 61 72 64           # name = "hard"
                        """),
                golden("Rlink", l, new Rmessage.Link(16), """
                        07 00 00 00                 # size = 7
                        47                          # Rlink = 71
                        10 00                       # tag = 16
                        """),
                golden("Tmkdir", l, new Tmessage.Mkdir(17, 1, "d", 0755, P9.NONUNAME), """
                        16 00 00 00                 # size = 22
                        48                          # Tmkdir = 72
                        11 00                       # tag = 17
                        01 00 00 00                 # dfid = 1
                        01 00 64                    # name = "d"
                        ed 01 00 00                 # mode = 0755
                        ff ff ff ff                 # gid = ~0
                        """),
                golden("Rmkdir", l, new Rmessage.Mkdir(17, Qid.directory(0x1234)), """
                        14 00 00 00                 # size = 20
                        49                          # Rmkdir = 73
                        11 00                       # tag = 17
                        80 00 00 00 00              # qid: QTDIR, version 0
                        34 12 00 00 00 00 00 00     #   path 0x1234
                        """),
                golden("Trenameat", l, new Tmessage.Renameat(18, 1, "a", 2, "bc"), """
                        16 00 00 00                 # size = 22
                        4a                          # Trenameat = 74
                        12 00                       # tag = 18
                        01 00 00 00                 # olddirfid = 1
                        01 00 61                    # oldname = "a"
                        02 00 00 00                 # newdirfid = 2
                        02 00 62 63                 # newname = "bc"
                        """),
                golden("Rrenameat", l, new Rmessage.Renameat(18), """
                        07 00 00 00                 # size = 7
                        4b                          # Rrenameat = 75
                        12 00                       # tag = 18
                        """),
                golden("Tunlinkat of a directory", l, new Tmessage.Unlinkat(19, 1, "d", 0x200), """
                        12 00 00 00                 # size = 18
                        4c                          # Tunlinkat = 76
                        13 00                       # tag = 19
                        01 00 00 00                 # dirfd = 1
                        01 00 64                    # name = "d"
                        00 02 00 00                 # flags = AT_REMOVEDIR
                        """),
                golden("Runlinkat", l, new Rmessage.Unlinkat(19), """
                        07 00 00 00                 # size = 7
                        4d                          # Runlinkat = 77
                        13 00                       # tag = 19
                        """));
    }

    private static Arguments golden(String name, Dialect dialect, Message m, String hex) {
        return Arguments.of(name, dialect, m, Hex.bytes(hex));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void encodesToTheExactBytes(String name, Dialect dialect, Message m, byte[] expected) {
        assertThat(Hex.of(Hex.encode(m, dialect))).isEqualTo(Hex.of(expected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void sizeIsTheFrameLength(String name, Dialect dialect, Message m, byte[] expected) {
        assertThat(StyxWire.size(m, dialect)).isEqualTo(expected.length);
        // Guards the hand-written frame itself: its size field counts its bytes.
        assertThat(Integer.toUnsignedLong(Unpooled.wrappedBuffer(expected).getIntLE(0))).isEqualTo(expected.length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("golden")
    void decodesToTheSameMessage(String name, Dialect dialect, Message m, byte[] expected) {
        Message decoded = Hex.decode(expected, dialect);
        assertThat(decoded).isEqualTo(m);
        assertThat(decoded.type()).isEqualTo(m.type());
        assertThat(decoded.tag()).isEqualTo(m.tag());
    }

    /** 9P2000.L's numbers mean nothing on a 9P2000 or .u connection: the peer sent an unknown type. */
    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("dotLFramesElsewhere")
    void dotLTypesAreUnknownElsewhere(String name, Dialect elsewhere, Message m, byte[] frame) {
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame, elsewhere));
        assertThat(e).as("decoding %s in %s", name, elsewhere).isNotNull();
        assertThat(e.tag()).isEqualTo(m.tag());
        assertThat(e).hasMessage("unknown message type " + m.type().code());
    }

    static Stream<Arguments> dotLFramesElsewhere() {
        return golden().filter(a -> ((Message) a.get()[2]).type().code() < 100)
                .flatMap(a -> Stream.of(Dialect.P9_2000, Dialect.U)
                        .map(d -> Arguments.of(a.get()[0], d, a.get()[2], a.get()[3])));
    }

    /** Tlerror has a number (6) but, like Terror, no message: even on a .L connection it is unknown. */
    @ParameterizedTest
    @EnumSource(Dialect.class)
    void tlerrorIsNotAMessage(Dialect d) {
        byte[] frame = Hex.bytes("""
                0b 00 00 00   06   05 00          # type 6, tag 5
                02 00 00 00                       # what would be an Rlerror's ecode
                """);
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame, d));
        assertThat(e.tag()).isEqualTo(5);
        assertThat(e).hasMessage("unknown message type 6");
    }

    /** The entries of an Rreaddir's data, each qid[13] offset[8] type[1] name[s], back to back. */
    @Test
    void readdirDataIsASequenceOfDirents() {
        byte[] data = Hex.bytes(DIRENTS);
        assertThat(StyxWire.decodeDirents(data)).containsExactly(DOT, HELLO_ENTRY);
        assertThat(StyxWire.direntSize(DOT)).isEqualTo(25);
        assertThat(StyxWire.direntSize(HELLO_ENTRY)).isEqualTo(30);
        ByteBuf buf = Unpooled.buffer();
        try {
            StyxWire.writeDirent(buf, DOT);
            StyxWire.writeDirent(buf, HELLO_ENTRY);
            assertThat(Hex.of(ByteBufUtil.getBytes(buf))).isEqualTo(Hex.of(data));
        } finally {
            buf.release();
        }
        assertThat(StyxWire.decodeDirents(new byte[0])).isEmpty();
    }

    /** A .u directory read carries the extended stat, as Rstat does, without the extra n[2]. */
    @Test
    void dotUDirectoryEntryIsTheExtendedStat() {
        byte[] stat = Hex.bytes(SYMLINK_STAT);
        assertThat(StyxWire.dirSize(SYMLINK, Dialect.U)).isEqualTo(stat.length);
        assertThat(StyxWire.dirSize(SYMLINK, Dialect.L)).isEqualTo(stat.length);
        ByteBuf buf = Unpooled.buffer();
        try {
            StyxWire.writeDir(buf, SYMLINK, Dialect.U);
            assertThat(Hex.of(ByteBufUtil.getBytes(buf))).isEqualTo(Hex.of(stat));
        } finally {
            buf.release();
        }
    }

    /**
     * 9P2000 frames stay as they were: the .u fields a record carries are left out, and a 9P2000 frame
     * decodes with their defaults (n_uname NONUNAME, no extension, errno 0, ids unknown).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("withoutUnixFields")
    void unixFieldsAreLeftOutIn9P2000(String name, Message withUnixFields, Message as9P2000, byte[] expected) {
        assertThat(Hex.of(Hex.encode(withUnixFields, Dialect.P9_2000))).isEqualTo(Hex.of(expected));
        assertThat(StyxWire.size(withUnixFields, Dialect.P9_2000)).isEqualTo(expected.length);
        assertThat(StyxWire.size(withUnixFields)).isEqualTo(expected.length);
        assertThat(Hex.decode(expected, Dialect.P9_2000)).isEqualTo(as9P2000);
    }

    static Stream<Arguments> withoutUnixFields() {
        return Stream.of(
                Arguments.of("Tauth", new Tmessage.Auth(1, 5, "", "ctl", 1000), new Tmessage.Auth(1, 5, "", "ctl"),
                        Hex.bytes("""
                        12 00 00 00                 # size = 18
                        66                          # Tauth
                        01 00                       # tag = 1
                        05 00 00 00                 # afid = 5
                        00 00                       # uname = ""
                        03 00 63 74 6c              # aname = "ctl", and no n_uname
                        """)),
                Arguments.of("Tattach", new Tmessage.Attach(2, 1, P9.NOFID, "glenda", "/", 1001),
                        new Tmessage.Attach(2, 1, P9.NOFID, "glenda", "/"), Hex.bytes("""
                        1a 00 00 00                 # size = 26
                        68                          # Tattach
                        02 00                       # tag = 2
                        01 00 00 00                 # fid = 1
                        ff ff ff ff                 # afid = NOFID
                        06 00 67 6c 65 6e 64 61     # uname = "glenda"
                        01 00 2f                    # aname = "/", and no n_uname
                        """)),
                Arguments.of("Tcreate", new Tmessage.Create(7, 3, "ln", P9.DMSYMLINK | 0777, P9.OREAD, "/etc/passwd"),
                        new Tmessage.Create(7, 3, "ln", P9.DMSYMLINK | 0777, P9.OREAD), Hex.bytes("""
                        14 00 00 00                 # size = 20
                        72                          # Tcreate
                        07 00                       # tag = 7
                        03 00 00 00                 # fid = 3
                        02 00 6c 6e                 # name = "ln"
                        ff 01 00 02                 # perm
                        00                          # mode, and no extension
                        """)),
                Arguments.of("Rerror", new Rmessage.Error(3, "file not found", 2),
                        new Rmessage.Error(3, "file not found"), Hex.bytes("""
                        17 00 00 00                 # size = 23
                        6b                          # Rerror
                        03 00                       # tag = 3
                        0e 00                       # ename length = 14
                        66 69 6c 65 20 6e 6f 74     # "file not"
                        20 66 6f 75 6e 64           # " found", and no errno
                        """)),
                Arguments.of("Rstat", new Rmessage.Stat(12, SYMLINK), new Rmessage.Stat(12, new Dir(0, 0,
                        new Qid(0x02, 0, 7), P9.DMSYMLINK | 0777, 1700000000, 1700000001, 11, "ln", "glenda", "sys", "")),
                        Hex.bytes("""
                        45 00 00 00                 # size = 7 + 2 + 60 = 69
                        7d                          # Rstat
                        0c 00                       # tag = 12
                        3c 00                       # n = 60
                        3a 00                       # stat size = 58
                        00 00  00 00 00 00          # type, dev
                        02 00 00 00 00              # qid: QTSYMLINK, version 0
                        07 00 00 00 00 00 00 00     #   path 7
                        ff 01 00 02                 # mode
                        00 f1 53 65  01 f1 53 65    # atime, mtime
                        0b 00 00 00 00 00 00 00     # length = 11
                        02 00 6c 6e                 # name = "ln"
                        06 00 67 6c 65 6e 64 61     # uid = "glenda"
                        03 00 73 79 73              # gid = "sys"
                        00 00                       # muid = "", and nothing of .u after it
                        """)),
                Arguments.of("Twstat", new Tmessage.Wstat(13, 4, Dir.dontTouch().withNumericIds(1000, 100, 0)),
                        new Tmessage.Wstat(13, 4, Dir.dontTouch()), Hex.bytes("""
                        3e 00 00 00                 # size = 62, as 9P2000's don't-touch Twstat
                        7e                          # Twstat
                        0d 00                       # tag = 13
                        04 00 00 00                 # fid = 4
                        31 00                       # n = 49
                        2f 00                       # stat size = 47
                        ff ff  ff ff ff ff          # type, dev
                        ff ff ff ff ff ff ff ff ff ff ff ff ff   # qid
                        ff ff ff ff ff ff ff ff ff ff ff ff     # mode, atime, mtime
                        ff ff ff ff ff ff ff ff     # length
                        00 00  00 00  00 00  00 00  # name, uid, gid, muid = "", and no ids
                        """)));
    }

    /** The .u forms: every message whose layout 9P2000.u changes has a golden frame in .u. */
    @Test
    void everyMessageDotUChangesHasADotUFrame() {
        EnumSet<MessageType> inU = EnumSet.noneOf(MessageType.class);
        golden().filter(a -> a.get()[1] == Dialect.U).forEach(a -> inU.add(((Message) a.get()[2]).type()));
        assertThat(inU).containsExactlyInAnyOrderElementsOf(List.of(MessageType.TAUTH, MessageType.TATTACH,
                MessageType.TCREATE, MessageType.RERROR, MessageType.RSTAT, MessageType.TWSTAT));
    }
}
