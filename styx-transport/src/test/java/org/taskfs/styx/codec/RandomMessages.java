package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid messages of every type with values drawn towards the edges: unsigned extremes, empty and
 * non-ASCII strings, empty and binary data; for 9P2000.u and .L their fields and messages too.
 * Seeded, so a failure names a reproducible case.
 */
final class RandomMessages {
    private static final int[] EDGE_INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000};
    private static final long[] EDGE_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xFFFFFFFFL, 1L << 32};

    private final Random rnd;

    RandomMessages(long seed) {
        rnd = new Random(seed);
    }

    /** A 9P2000 message. */
    Message next() {
        return next(Dialect.P9_2000);
    }

    /**
     * A message valid in {@code dialect}: in 9P2000 the .u fields keep the values a 9P2000 frame decodes to
     * (n_uname NONUNAME, no extension, errno 0, ids unknown), since the frame cannot carry others.
     */
    Message next(Dialect dialect) {
        return rnd.nextBoolean() ? request(dialect) : reply(dialect);
    }

    Tmessage request() {
        return request(Dialect.P9_2000);
    }

    Tmessage request(Dialect d) {
        int tag = tag();
        // 9P2000's draws come first and are the same in every dialect, so a 9P2000 seed gives what it gave.
        switch (rnd.nextInt(d == Dialect.L ? 13 + 19 : 13)) {
            case 0: return new Tmessage.Version(tag, u32(), string());
            case 1: return new Tmessage.Auth(tag, u32(), string(), string(), nUname(d));
            case 2: return new Tmessage.Attach(tag, u32(), u32(), string(), string(), nUname(d));
            case 3: return new Tmessage.Flush(tag, tag());
            case 4: {
                List<String> names = new ArrayList<>();
                for (int i = rnd.nextInt(P9.MAXWELEM + 1); i > 0; i--) {
                    names.add(string());
                }
                return new Tmessage.Walk(tag, u32(), u32(), names);
            }
            case 5: return new Tmessage.Open(tag, u32(), rnd.nextInt(256));
            case 6: return new Tmessage.Create(tag, u32(), string(), u32(), rnd.nextInt(256),
                    d.unixFields() ? string() : "");
            case 7: return new Tmessage.Read(tag, u32(), u64(), u32());
            case 8: return new Tmessage.Write(tag, u32(), u64(), data());
            case 9: return new Tmessage.Clunk(tag, u32());
            case 10: return new Tmessage.Remove(tag, u32());
            case 11: return new Tmessage.Stat(tag, u32());
            case 12: return new Tmessage.Wstat(tag, u32(), rnd.nextInt(8) == 0 ? Dir.dontTouch() : dir(d));
            // 9P2000.L
            case 13: return new Tmessage.Statfs(tag, u32());
            case 14: return new Tmessage.Lopen(tag, u32(), u32());
            case 15: return new Tmessage.Lcreate(tag, u32(), string(), u32(), u32(), u32());
            case 16: return new Tmessage.Symlink(tag, u32(), string(), string(), u32());
            case 17: return new Tmessage.Mknod(tag, u32(), string(), u32(), u32(), u32(), u32());
            case 18: return new Tmessage.Rename(tag, u32(), u32(), string());
            case 19: return new Tmessage.Readlink(tag, u32());
            case 20: return new Tmessage.Getattr(tag, u32(), u64());
            case 21: return new Tmessage.Setattr(tag, u32(), u32(), u32(), u32(), u32(), u64(), u64(), u64(), u64(),
                    u64());
            case 22: return new Tmessage.Xattrwalk(tag, u32(), u32(), string());
            case 23: return new Tmessage.Xattrcreate(tag, u32(), string(), u64(), u32());
            case 24: return new Tmessage.Readdir(tag, u32(), u64(), u32());
            case 25: return new Tmessage.Fsync(tag, u32(), u32());
            case 26: return new Tmessage.Lock(tag, u32(), rnd.nextInt(256), u32(), u64(), u64(), u32(), string());
            case 27: return new Tmessage.Getlock(tag, u32(), rnd.nextInt(256), u64(), u64(), u32(), string());
            case 28: return new Tmessage.Link(tag, u32(), u32(), string());
            case 29: return new Tmessage.Mkdir(tag, u32(), string(), u32(), u32());
            case 30: return new Tmessage.Renameat(tag, u32(), string(), u32(), string());
            default: return new Tmessage.Unlinkat(tag, u32(), string(), u32());
        }
    }

    Rmessage reply() {
        return reply(Dialect.P9_2000);
    }

    Rmessage reply(Dialect d) {
        int tag = tag();
        switch (rnd.nextInt(d == Dialect.L ? 14 + 20 : 14)) {
            case 0: return new Rmessage.Version(tag, u32(), string());
            case 1: return new Rmessage.Auth(tag, qid());
            case 2: return new Rmessage.Attach(tag, qid());
            case 3: return new Rmessage.Error(tag, string(), d.unixFields() ? u32() : 0);
            case 4: return new Rmessage.Flush(tag);
            case 5: {
                List<Qid> qids = new ArrayList<>();
                for (int i = rnd.nextInt(P9.MAXWELEM + 1); i > 0; i--) {
                    qids.add(qid());
                }
                return new Rmessage.Walk(tag, qids);
            }
            case 6: return new Rmessage.Open(tag, qid(), u32());
            case 7: return new Rmessage.Create(tag, qid(), u32());
            case 8: return new Rmessage.Read(tag, data());
            case 9: return new Rmessage.Write(tag, u32());
            case 10: return new Rmessage.Clunk(tag);
            case 11: return new Rmessage.Remove(tag);
            case 12: return new Rmessage.Stat(tag, dir(d));
            case 13: return new Rmessage.Wstat(tag);
            // 9P2000.L
            case 14: return new Rmessage.Lerror(tag, u32());
            case 15: return new Rmessage.Statfs(tag, u32(), u32(), u64(), u64(), u64(), u64(), u64(), u64(), u32());
            case 16: return new Rmessage.Lopen(tag, qid(), u32());
            case 17: return new Rmessage.Lcreate(tag, qid(), u32());
            case 18: return new Rmessage.Symlink(tag, qid());
            case 19: return new Rmessage.Mknod(tag, qid());
            case 20: return new Rmessage.Rename(tag);
            case 21: return new Rmessage.Readlink(tag, string());
            case 22: return new Rmessage.Getattr(tag, u64(), qid(), u32(), u32(), u32(), u64(), u64(), u64(), u64(),
                    u64(), u64(), u64(), u64(), u64(), u64(), u64(), u64(), u64(), u64(), u64());
            case 23: return new Rmessage.Setattr(tag);
            case 24: return new Rmessage.Xattrwalk(tag, u64());
            case 25: return new Rmessage.Xattrcreate(tag);
            case 26: return new Rmessage.Readdir(tag, rnd.nextBoolean() ? dirents() : data());
            case 27: return new Rmessage.Fsync(tag);
            case 28: return new Rmessage.Lock(tag, rnd.nextInt(256));
            case 29: return new Rmessage.Getlock(tag, rnd.nextInt(256), u64(), u64(), u32(), string());
            case 30: return new Rmessage.Link(tag);
            case 31: return new Rmessage.Mkdir(tag, qid());
            case 32: return new Rmessage.Renameat(tag);
            default: return new Rmessage.Unlinkat(tag);
        }
    }

    /** n_uname: 9P2000 has none, so it must be what a 9P2000 frame decodes to. */
    private int nUname(Dialect d) {
        return d.unixFields() ? u32() : P9.NONUNAME;
    }

    /** Whole Rreaddir entries, as a server writes them. */
    byte[] dirents() {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (int i = rnd.nextInt(6); i > 0; i--) {
                StyxWire.writeDirent(buf, new Dirent(qid(), u64(), rnd.nextInt(256), string()));
            }
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    int tag() {
        return rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? P9.NOTAG : 0) : rnd.nextInt(0x10000);
    }

    int u32() {
        return rnd.nextInt(3) == 0 ? EDGE_INTS[rnd.nextInt(EDGE_INTS.length)] : rnd.nextInt();
    }

    long u64() {
        return rnd.nextInt(3) == 0 ? EDGE_LONGS[rnd.nextInt(EDGE_LONGS.length)] : rnd.nextLong();
    }

    Qid qid() {
        return new Qid(rnd.nextInt(256), u32(), u64());
    }

    Dir dir() {
        return dir(Dialect.P9_2000);
    }

    /** In 9P2000 the .u fields are what a 9P2000 stat decodes to: no extension, ids NONUNAME. */
    Dir dir(Dialect d) {
        Dir dir = new Dir(rnd.nextInt(0x10000), u32(), qid(), u32(), u32(), u32(), u64(),
                string(), string(), string(), string());
        return d.unixFields() ? new Dir(dir.type(), dir.dev(), dir.qid(), dir.mode(), dir.atime(), dir.mtime(),
                dir.length(), dir.name(), dir.uid(), dir.gid(), dir.muid(), string(), u32(), u32(), u32()) : dir;
    }

    byte[] data() {
        int n = switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(9000);
            default -> rnd.nextInt(64);
        };
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        if (n > 0 && rnd.nextBoolean()) {
            b[rnd.nextInt(n)] = 0;
        }
        return b;
    }

    /** Well-formed Unicode: 1-, 2-, 3- and 4-byte UTF-8 sequences, control characters and NUL included. */
    String string() {
        int n = switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(300);
            default -> rnd.nextInt(12);
        };
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(codePoint());
        }
        return sb.toString();
    }

    private int codePoint() {
        switch (rnd.nextInt(8)) {
            case 0: return rnd.nextInt(0x20);                   // controls, NUL included
            case 1: return 0x80 + rnd.nextInt(0x800 - 0x80);   // two bytes
            case 2: {                                           // three bytes, never a surrogate
                int c = 0x800 + rnd.nextInt(0x10000 - 0x800 - 0x800);
                return c >= Character.MIN_SURROGATE ? c + 0x800 : c;
            }
            case 3: return 0x10000 + rnd.nextInt(0x110000 - 0x10000);   // four bytes
            default: return 0x20 + rnd.nextInt(0x5f);           // printable ASCII
        }
    }

    /** Any UTF-16 code units at all, unpaired surrogates included. */
    String anyChars() {
        char[] c = new char[rnd.nextInt(8)];
        for (int i = 0; i < c.length; i++) {
            c[i] = rnd.nextInt(3) == 0 ? (char) (0xD800 + rnd.nextInt(0x800)) : (char) rnd.nextInt(0x10000);
        }
        return new String(c);
    }

    int nextInt(int bound) {
        return rnd.nextInt(bound);
    }
}
