package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
 * This class frames messages and holds the field primitives; the layout of each message's body is
 * written next to its record ({@link Message#bodySize}, {@link Message#encodeBody}, and the
 * decoder each {@link MessageType} constant names). Decoding checks every length against the
 * bytes that are really there before it allocates.
 */
public final class StyxWire {
    private StyxWire() {}

    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() ->
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));

    // ---------------------------------------------------------------- frames

    /** The whole frame size of a 9P2000 message, size[4] included. */
    public static int size(Message m) {
        return size(m, Dialect.P9_2000);
    }

    /** The whole frame size of a message in {@code dialect}, size[4] included. */
    public static int size(Message m, Dialect dialect) {
        return P9.HEADER_SIZE + m.bodySize(dialect);
    }

    /** Appends the whole 9P2000 frame of {@code m} to {@code out}. */
    public static void encode(Message m, ByteBuf out) {
        encode(m, Dialect.P9_2000, out);
    }

    /** Appends the whole frame of {@code m}, as {@code dialect} lays it out, to {@code out}. */
    public static void encode(Message m, Dialect dialect, ByteBuf out) {
        int size = size(m, dialect);
        out.ensureWritable(size);
        int start = out.writerIndex();
        out.writeIntLE(size);
        out.writeByte(m.type().code());
        out.writeShortLE(m.tag());
        m.encodeBody(out, dialect);
        // A wrong size field would put the peer out of step for the rest of the connection.
        if (out.writerIndex() - start != size) {
            throw new IllegalStateException(m.type() + ": bodySize() disagrees with encodeBody()");
        }
    }

    /**
     * Decodes one whole frame (size[4] included, {@code frame.readableBytes()} equal to it).
     * A frame shorter than the header or whose size field disagrees is a framing error the caller
     * must have ruled out; every other defect raises {@link StyxCodecException} with the tag.
     */
    public static Message decode(ByteBuf frame) {
        return decode(frame, Dialect.P9_2000);
    }

    /** {@link #decode(ByteBuf)} in {@code dialect}: its own messages are known, its layouts read. */
    public static Message decode(ByteBuf frame, Dialect dialect) {
        int size = frame.readableBytes();
        if (size < P9.HEADER_SIZE || frame.getIntLE(frame.readerIndex()) != size) {
            throw new IllegalArgumentException("not a whole frame");
        }
        frame.skipBytes(4);
        int code = frame.readUnsignedByte();
        int tag = frame.readUnsignedShortLE();
        MessageType type = MessageType.of(code, dialect);
        if (type == null) {
            throw unknownType(tag, code);
        }
        Message m = type.decodeBody(new Reader(frame, tag, type, dialect));
        if (frame.isReadable()) {
            throw new StyxCodecException(tag, type.name() + " has " + frame.readableBytes() + " trailing bytes");
        }
        return m;
    }

    static StyxCodecException unknownType(int tag, int code) {
        return new StyxCodecException(tag, "unknown message type " + code);
    }

    /** Decodes a directory read's data: a sequence of stat entries. */
    public static List<Dir> decodeDirs(byte[] data) {
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        Reader r = new Reader(buf, P9.NOTAG, MessageType.RREAD, Dialect.P9_2000);
        List<Dir> dirs = new ArrayList<>();
        while (buf.isReadable()) {
            dirs.add(r.dir());
        }
        return dirs;
    }

    // ---------------------------------------------------------------- writing fields

    /** Bytes of a string on the wire, its n[2] included; refuses one that n[2] cannot count. */
    static int stringSize(String s) {
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

    static void writeString(ByteBuf out, String s) {
        // Not ByteBuf.writeCharSequence: for a high surrogate followed by a non-ASCII char, Netty
        // writes the char's low byte alone, which is not UTF-8. The JDK replaces it with '?'.
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShortLE(b.length);
        out.writeBytes(b);
    }

    /** count[4] then the bytes. */
    static void writeData(ByteBuf out, byte[] data) {
        out.writeIntLE(data.length);
        out.writeBytes(data);
    }

    static void writeQid(ByteBuf out, Qid q) {
        out.writeByte(q.type());
        out.writeIntLE(q.version());
        out.writeLongLE(q.path());
    }

    /** Bytes of a 9P2000 stat entry including its own size[2]. */
    public static int dirSize(Dir d) {
        return dirSize(d, Dialect.P9_2000);
    }

    /** Bytes of a stat entry in {@code dialect} including its own size[2]. */
    public static int dirSize(Dir d, Dialect dialect) {
        int n = 2 + Dir.FIXED_SIZE + stringSize(d.name()) + stringSize(d.uid()) + stringSize(d.gid())
                + stringSize(d.muid());
        return dialect.unixFields() ? n + stringSize(d.extension()) + 3 * 4 : n;
    }

    /** Writes a 9P2000 stat entry, its own size[2] first. */
    public static void writeDir(ByteBuf out, Dir d) {
        writeDir(out, d, Dialect.P9_2000);
    }

    /** Writes a stat entry as {@code dialect} has it, its own size[2] first. */
    public static void writeDir(ByteBuf out, Dir d, Dialect dialect) {
        out.writeShortLE(dirSize(d, dialect) - 2);
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
        if (dialect.unixFields()) {
            writeString(out, d.extension());
            out.writeIntLE(d.nUid());
            out.writeIntLE(d.nGid());
            out.writeIntLE(d.nMuid());
        }
    }

    /** Bytes of a stat inside Tstat/Rstat or Twstat, which wrap it in an extra n[2]. */
    static int wrappedDirSize(Dir d, Dialect dialect) {
        return 2 + dirSize(d, dialect);
    }

    static void writeWrappedDir(ByteBuf out, Dir d, Dialect dialect) {
        out.writeShortLE(dirSize(d, dialect));
        writeDir(out, d, dialect);
    }

    /** Bytes of one Rreaddir entry: qid[13] offset[8] type[1] name[s]. */
    public static int direntSize(Dirent e) {
        return Qid.SIZE + 8 + 1 + stringSize(e.name());
    }

    public static void writeDirent(ByteBuf out, Dirent e) {
        writeQid(out, e.qid());
        out.writeLongLE(e.offset());
        out.writeByte(e.type());
        writeString(out, e.name());
    }

    /** Decodes an Rreaddir's data: a sequence of entries. */
    public static List<Dirent> decodeDirents(byte[] data) {
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        Reader r = new Reader(buf, P9.NOTAG, MessageType.RREADDIR, Dialect.L);
        List<Dirent> entries = new ArrayList<>();
        while (buf.isReadable()) {
            entries.add(new Dirent(r.qid("qid"), r.u64("offset"), r.u8("type"), r.string("name")));
        }
        return entries;
    }

    // ---------------------------------------------------------------- reading fields

    /**
     * Reads the fields of one message body. Every read first checks that its bytes are there, and
     * a failure names the message type and the field, e.g. "Tread: count runs past the end of
     * the message", under the request's tag.
     */
    static final class Reader {
        private final ByteBuf in;
        private final int tag;
        private final MessageType type;
        private final Dialect dialect;

        Reader(ByteBuf in, int tag, MessageType type, Dialect dialect) {
            this.in = in;
            this.tag = tag;
            this.type = type;
            this.dialect = dialect;
        }

        /** The dialect the message is read in: a few layouts depend on it. */
        Dialect dialect() {
            return dialect;
        }

        /** The tag from the header, for the record under construction. */
        int tag() {
            return tag;
        }

        MessageType type() {
            return type;
        }

        StyxCodecException bad(String what) {
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

        /** n_uname[4] where the dialect has it (9P2000.u and .L); otherwise "none". */
        int nUname() {
            return dialect.unixFields() ? u32("n_uname") : P9.NONUNAME;
        }

        /** count[4] then that many bytes, the count checked before the array is allocated. */
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
            if (dialect.unixFields()) {
                d = new Dir(d.type(), d.dev(), d.qid(), d.mode(), d.atime(), d.mtime(), d.length(), d.name(),
                        d.uid(), d.gid(), d.muid(), string("extension"), u32("n_uid"), u32("n_gid"), u32("n_muid"));
            }
            if (in.readerIndex() > end) {
                throw bad("stat fields run past the stat size");
            }
            // Like Plan 9's statcheck, refuse leftovers rather than drop them, so a Twstat means what was sent.
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
    }
}
