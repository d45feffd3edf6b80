package org.taskfs.styx.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid messages of every type with values drawn towards the edges: unsigned extremes, empty and
 * non-ASCII strings, empty and binary data. Seeded, so a failure names a reproducible case.
 */
final class RandomMessages {
    private static final int[] EDGE_INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x10000};
    private static final long[] EDGE_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xFFFFFFFFL, 1L << 32};

    private final Random rnd;

    RandomMessages(long seed) {
        rnd = new Random(seed);
    }

    Message next() {
        return rnd.nextBoolean() ? request() : reply();
    }

    Tmessage request() {
        int tag = tag();
        switch (rnd.nextInt(13)) {
            case 0: return new Tmessage.Version(tag, u32(), string());
            case 1: return new Tmessage.Auth(tag, u32(), string(), string());
            case 2: return new Tmessage.Attach(tag, u32(), u32(), string(), string());
            case 3: return new Tmessage.Flush(tag, tag());
            case 4: {
                List<String> names = new ArrayList<>();
                for (int i = rnd.nextInt(P9.MAXWELEM + 1); i > 0; i--) {
                    names.add(string());
                }
                return new Tmessage.Walk(tag, u32(), u32(), names);
            }
            case 5: return new Tmessage.Open(tag, u32(), rnd.nextInt(256));
            case 6: return new Tmessage.Create(tag, u32(), string(), u32(), rnd.nextInt(256));
            case 7: return new Tmessage.Read(tag, u32(), u64(), u32());
            case 8: return new Tmessage.Write(tag, u32(), u64(), data());
            case 9: return new Tmessage.Clunk(tag, u32());
            case 10: return new Tmessage.Remove(tag, u32());
            case 11: return new Tmessage.Stat(tag, u32());
            default: return new Tmessage.Wstat(tag, u32(), rnd.nextInt(8) == 0 ? Dir.dontTouch() : dir());
        }
    }

    Rmessage reply() {
        int tag = tag();
        switch (rnd.nextInt(14)) {
            case 0: return new Rmessage.Version(tag, u32(), string());
            case 1: return new Rmessage.Auth(tag, qid());
            case 2: return new Rmessage.Attach(tag, qid());
            case 3: return new Rmessage.Error(tag, string());
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
            case 12: return new Rmessage.Stat(tag, dir());
            default: return new Rmessage.Wstat(tag);
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
        return new Dir(rnd.nextInt(0x10000), u32(), qid(), u32(), u32(), u32(), u64(),
                string(), string(), string(), string());
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
