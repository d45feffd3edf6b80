package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The 9P2000 wire format: little-endian integers, strings as a 2-byte length and UTF-8 bytes.
 * Decoding checks every length against the bytes that are really there before it allocates.
 */
public final class StyxWire {
    private StyxWire() {}

    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() ->
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));

    // ---------------------------------------------------------------- sizes

    /** The whole frame size of a message, size[4] included. */
    public static int size(Message m) {
        return P9.HEADER_SIZE + bodySize(m);
    }

    private static int bodySize(Message m) {
        if (m instanceof Tmessage t) {
            return tBodySize(t);
        }
        return rBodySize((Rmessage) m);
    }

    private static int tBodySize(Tmessage m) {
        if (m instanceof Tmessage.Version v) {
            return 4 + str(v.version());
        } else if (m instanceof Tmessage.Auth a) {
            return 4 + str(a.uname()) + str(a.aname());
        } else if (m instanceof Tmessage.Attach a) {
            return 4 + 4 + str(a.uname()) + str(a.aname());
        } else if (m instanceof Tmessage.Flush) {
            return 2;
        } else if (m instanceof Tmessage.Walk w) {
            int n = 4 + 4 + 2;
            for (String name : w.names()) {
                n += str(name);
            }
            return n;
        } else if (m instanceof Tmessage.Open) {
            return 4 + 1;
        } else if (m instanceof Tmessage.Create c) {
            return 4 + str(c.name()) + 4 + 1;
        } else if (m instanceof Tmessage.Read) {
            return 4 + 8 + 4;
        } else if (m instanceof Tmessage.Write w) {
            return 4 + 8 + 4 + w.data().length;
        } else if (m instanceof Tmessage.Clunk || m instanceof Tmessage.Remove || m instanceof Tmessage.Stat) {
            return 4;
        } else if (m instanceof Tmessage.Wstat w) {
            return 4 + 2 + dirSize(w.dir());
        }
        throw new AssertionError(m);
    }

    private static int rBodySize(Rmessage m) {
        if (m instanceof Rmessage.Version v) {
            return 4 + str(v.version());
        } else if (m instanceof Rmessage.Auth || m instanceof Rmessage.Attach) {
            return Qid.SIZE;
        } else if (m instanceof Rmessage.Error e) {
            return str(e.ename());
        } else if (m instanceof Rmessage.Walk w) {
            return 2 + Qid.SIZE * w.qids().size();
        } else if (m instanceof Rmessage.Open || m instanceof Rmessage.Create) {
            return Qid.SIZE + 4;
        } else if (m instanceof Rmessage.Read r) {
            return 4 + r.data().length;
        } else if (m instanceof Rmessage.Write) {
            return 4;
        } else if (m instanceof Rmessage.Stat s) {
            return 2 + dirSize(s.dir());
        } else if (m instanceof Rmessage.Flush || m instanceof Rmessage.Clunk
                || m instanceof Rmessage.Remove || m instanceof Rmessage.Wstat) {
            return 0;
        }
        throw new AssertionError(m);
    }

    /** Bytes of a stat entry including its own size[2]. */
    public static int dirSize(Dir d) {
        return 2 + Dir.FIXED_SIZE + str(d.name()) + str(d.uid()) + str(d.gid()) + str(d.muid());
    }

    private static int str(String s) {
        int n = utf8Length(s);
        if (n > 0xFFFF) {
            throw new IllegalArgumentException("string of " + n + " bytes does not fit 9P's 16-bit length");
        }
        return 2 + n;
    }

    /** Agrees with {@link #writeString}: an unpaired surrogate is sent as the one byte '?'. */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- encoding

    /** Appends the whole frame of {@code m} to {@code out}. */
    public static void encode(Message m, ByteBuf out) {
        int size = size(m);
        out.ensureWritable(size);
        int start = out.writerIndex();
        out.writeIntLE(size);
        out.writeByte(m.type().code());
        out.writeShortLE(m.tag());
        if (m instanceof Tmessage t) {
            encodeT(t, out);
        } else {
            encodeR((Rmessage) m, out);
        }
        assert out.writerIndex() - start == size : "size() disagrees with encode() for " + m.type();
    }

    private static void encodeT(Tmessage m, ByteBuf out) {
        if (m instanceof Tmessage.Version v) {
            out.writeIntLE(v.msize());
            writeString(out, v.version());
        } else if (m instanceof Tmessage.Auth a) {
            out.writeIntLE(a.afid());
            writeString(out, a.uname());
            writeString(out, a.aname());
        } else if (m instanceof Tmessage.Attach a) {
            out.writeIntLE(a.fid());
            out.writeIntLE(a.afid());
            writeString(out, a.uname());
            writeString(out, a.aname());
        } else if (m instanceof Tmessage.Flush f) {
            out.writeShortLE(f.oldtag());
        } else if (m instanceof Tmessage.Walk w) {
            out.writeIntLE(w.fid());
            out.writeIntLE(w.newfid());
            out.writeShortLE(w.names().size());
            for (String name : w.names()) {
                writeString(out, name);
            }
        } else if (m instanceof Tmessage.Open o) {
            out.writeIntLE(o.fid());
            out.writeByte(o.mode());
        } else if (m instanceof Tmessage.Create c) {
            out.writeIntLE(c.fid());
            writeString(out, c.name());
            out.writeIntLE(c.perm());
            out.writeByte(c.mode());
        } else if (m instanceof Tmessage.Read r) {
            out.writeIntLE(r.fid());
            out.writeLongLE(r.offset());
            out.writeIntLE(r.count());
        } else if (m instanceof Tmessage.Write w) {
            out.writeIntLE(w.fid());
            out.writeLongLE(w.offset());
            out.writeIntLE(w.data().length);
            out.writeBytes(w.data());
        } else if (m instanceof Tmessage.Clunk c) {
            out.writeIntLE(c.fid());
        } else if (m instanceof Tmessage.Remove r) {
            out.writeIntLE(r.fid());
        } else if (m instanceof Tmessage.Stat s) {
            out.writeIntLE(s.fid());
        } else if (m instanceof Tmessage.Wstat w) {
            out.writeIntLE(w.fid());
            out.writeShortLE(dirSize(w.dir()));
            writeDir(out, w.dir());
        } else {
            throw new AssertionError(m);
        }
    }

    private static void encodeR(Rmessage m, ByteBuf out) {
        if (m instanceof Rmessage.Version v) {
            out.writeIntLE(v.msize());
            writeString(out, v.version());
        } else if (m instanceof Rmessage.Auth a) {
            writeQid(out, a.aqid());
        } else if (m instanceof Rmessage.Attach a) {
            writeQid(out, a.qid());
        } else if (m instanceof Rmessage.Error e) {
            writeString(out, e.ename());
        } else if (m instanceof Rmessage.Walk w) {
            out.writeShortLE(w.qids().size());
            for (Qid q : w.qids()) {
                writeQid(out, q);
            }
        } else if (m instanceof Rmessage.Open o) {
            writeQid(out, o.qid());
            out.writeIntLE(o.iounit());
        } else if (m instanceof Rmessage.Create c) {
            writeQid(out, c.qid());
            out.writeIntLE(c.iounit());
        } else if (m instanceof Rmessage.Read r) {
            out.writeIntLE(r.data().length);
            out.writeBytes(r.data());
        } else if (m instanceof Rmessage.Write w) {
            out.writeIntLE(w.count());
        } else if (m instanceof Rmessage.Stat s) {
            out.writeShortLE(dirSize(s.dir()));
            writeDir(out, s.dir());
        } else if (!(m instanceof Rmessage.Flush || m instanceof Rmessage.Clunk
                || m instanceof Rmessage.Remove || m instanceof Rmessage.Wstat)) {
            throw new AssertionError(m);
        }
    }

    private static void writeString(ByteBuf out, String s) {
        // Not ByteBuf.writeCharSequence: for a high surrogate followed by a non-ASCII char, Netty
        // writes the char's low byte alone, which is not UTF-8. The JDK replaces it with '?'.
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShortLE(b.length);
        out.writeBytes(b);
    }

    private static void writeQid(ByteBuf out, Qid q) {
        out.writeByte(q.type());
        out.writeIntLE(q.version());
        out.writeLongLE(q.path());
    }

    /** Writes a stat entry, its own size[2] first. */
    public static void writeDir(ByteBuf out, Dir d) {
        out.writeShortLE(dirSize(d) - 2);
        out.writeShortLE(d.type());
        out.writeIntLE(d.dev());
        writeQid(out, d.qid());
        out.writeIntLE(d.mode());
        out.writeIntLE(d.atime());
        out.writeIntLE(d.mtime());
        out.writeLongLE(d.length());
        writeString(out, d.name());
        writeString(out, d.uid());
        writeString(out, d.gid());
        writeString(out, d.muid());
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes one whole frame (size[4] included, {@code frame.readableBytes()} equal to it).
     * A frame shorter than the header or whose size field disagrees is a framing error the caller
     * must have ruled out; every other defect raises {@link StyxCodecException} with the tag.
     */
    public static Message decode(ByteBuf frame) {
        int size = frame.readableBytes();
        if (size < P9.HEADER_SIZE || frame.getIntLE(frame.readerIndex()) != size) {
            throw new IllegalArgumentException("not a whole frame");
        }
        frame.skipBytes(4);
        int code = frame.readUnsignedByte();
        int tag = frame.readUnsignedShortLE();
        MessageType type = MessageType.of(code);
        if (type == null || type == MessageType.TERROR) {
            throw new StyxCodecException(tag, "unknown message type " + code);
        }
        Reader r = new Reader(frame, tag, type);
        Message m = type.isRequest() ? r.request() : r.reply();
        if (frame.isReadable()) {
            throw new StyxCodecException(tag, type.name() + " has " + frame.readableBytes() + " trailing bytes");
        }
        return m;
    }

    /** Decodes a directory read's data: a sequence of stat entries. */
    public static List<Dir> decodeDirs(byte[] data) {
        ByteBuf buf = io.netty.buffer.Unpooled.wrappedBuffer(data);
        Reader r = new Reader(buf, P9.NOTAG, MessageType.RREAD);
        List<Dir> dirs = new ArrayList<>();
        while (buf.isReadable()) {
            dirs.add(r.dir());
        }
        return dirs;
    }

    private static final class Reader {
        private final ByteBuf in;
        private final int tag;
        private final MessageType type;

        Reader(ByteBuf in, int tag, MessageType type) {
            this.in = in;
            this.tag = tag;
            this.type = type;
        }

        private StyxCodecException bad(String what) {
            return new StyxCodecException(tag, type.name().charAt(0) + type.name().substring(1).toLowerCase()
                    + ": " + what);
        }

        private void need(int n, String what) {
            if (in.readableBytes() < n) {
                throw bad(what + " runs past the end of the message");
            }
        }

        int u8(String what) {
            need(1, what);
            return in.readUnsignedByte();
        }

        int u16(String what) {
            need(2, what);
            return in.readUnsignedShortLE();
        }

        int u32(String what) {
            need(4, what);
            return in.readIntLE();
        }

        long u64(String what) {
            need(8, what);
            return in.readLongLE();
        }

        String string(String what) {
            int n = u16(what + " length");
            need(n, what);
            ByteBuffer bytes = in.nioBuffer(in.readerIndex(), n);
            in.skipBytes(n);
            try {
                CharBuffer chars = UTF8.get().reset().decode(bytes);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw bad(what + " is not valid UTF-8");
            }
        }

        byte[] data(String what) {
            long n = Integer.toUnsignedLong(u32(what + " count"));
            if (n > in.readableBytes()) {
                throw bad(what + " count " + n + " runs past the end of the message");
            }
            byte[] b = new byte[(int) n];
            in.readBytes(b);
            return b;
        }

        Qid qid(String what) {
            need(Qid.SIZE, what);
            return new Qid(in.readUnsignedByte(), in.readIntLE(), in.readLongLE());
        }

        Dir dir() {
            int n = u16("stat size");
            need(n, "stat");
            int end = in.readerIndex() + n;
            if (n < Dir.FIXED_SIZE + 8) {
                throw bad("stat of " + n + " bytes is too short");
            }
            Dir d = new Dir(in.readUnsignedShortLE(), in.readIntLE(), qid("qid"), in.readIntLE(), in.readIntLE(),
                    in.readIntLE(), in.readLongLE(), string("name"), string("uid"), string("gid"), string("muid"));
            if (in.readerIndex() > end) {
                throw bad("stat strings run past the stat size");
            }
            // 9P2000 has no stat extensions (those are 9P2000.u's, which is not negotiated); like
            // Plan 9's statcheck, refuse leftovers rather than drop them, so a Twstat means what was sent.
            if (in.readerIndex() < end) {
                throw bad("stat has " + (end - in.readerIndex()) + " bytes after its last string");
            }
            return d;
        }

        /** Tstat/Rstat and Twstat wrap the stat in an extra n[2]; it must agree with the stat's own size. */
        Dir wrappedDir() {
            int n = u16("stat length");
            need(n, "stat");
            int before = in.readableBytes();
            Dir d = dir();
            if (before - in.readableBytes() != n) {
                throw bad("stat length " + n + " disagrees with the stat's own size");
            }
            return d;
        }

        Tmessage request() {
            switch (type) {
                case TVERSION: return new Tmessage.Version(tag, u32("msize"), string("version"));
                case TAUTH: return new Tmessage.Auth(tag, u32("afid"), string("uname"), string("aname"));
                case TATTACH: return new Tmessage.Attach(tag, u32("fid"), u32("afid"), string("uname"), string("aname"));
                case TFLUSH: return new Tmessage.Flush(tag, u16("oldtag"));
                case TWALK: {
                    int fid = u32("fid");
                    int newfid = u32("newfid");
                    int n = u16("nwname");
                    if (n > P9.MAXWELEM) {
                        throw bad("walk of " + n + " names; at most " + P9.MAXWELEM + " are allowed");
                    }
                    List<String> names = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        names.add(string("wname"));
                    }
                    return new Tmessage.Walk(tag, fid, newfid, names);
                }
                case TOPEN: return new Tmessage.Open(tag, u32("fid"), u8("mode"));
                case TCREATE: return new Tmessage.Create(tag, u32("fid"), string("name"), u32("perm"), u8("mode"));
                case TREAD: return new Tmessage.Read(tag, u32("fid"), u64("offset"), u32("count"));
                case TWRITE: return new Tmessage.Write(tag, u32("fid"), u64("offset"), data("data"));
                case TCLUNK: return new Tmessage.Clunk(tag, u32("fid"));
                case TREMOVE: return new Tmessage.Remove(tag, u32("fid"));
                case TSTAT: return new Tmessage.Stat(tag, u32("fid"));
                case TWSTAT: return new Tmessage.Wstat(tag, u32("fid"), wrappedDir());
                default: throw new AssertionError(type);
            }
        }

        Rmessage reply() {
            switch (type) {
                case RVERSION: return new Rmessage.Version(tag, u32("msize"), string("version"));
                case RAUTH: return new Rmessage.Auth(tag, qid("aqid"));
                case RATTACH: return new Rmessage.Attach(tag, qid("qid"));
                case RERROR: return new Rmessage.Error(tag, string("ename"));
                case RFLUSH: return new Rmessage.Flush(tag);
                case RWALK: {
                    int n = u16("nwqid");
                    if (n > P9.MAXWELEM) {
                        throw bad("walk reply of " + n + " qids; at most " + P9.MAXWELEM + " are allowed");
                    }
                    List<Qid> qids = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        qids.add(qid("wqid"));
                    }
                    return new Rmessage.Walk(tag, qids);
                }
                case ROPEN: return new Rmessage.Open(tag, qid("qid"), u32("iounit"));
                case RCREATE: return new Rmessage.Create(tag, qid("qid"), u32("iounit"));
                case RREAD: return new Rmessage.Read(tag, data("data"));
                case RWRITE: return new Rmessage.Write(tag, u32("count"));
                case RCLUNK: return new Rmessage.Clunk(tag);
                case RREMOVE: return new Rmessage.Remove(tag);
                case RSTAT: return new Rmessage.Stat(tag, wrappedDir());
                case RWSTAT: return new Rmessage.Wstat(tag);
                default: throw new AssertionError(type);
            }
        }
    }
}
