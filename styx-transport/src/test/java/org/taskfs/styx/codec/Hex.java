package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;

/** Test helpers for writing frames by hand and looking at encoder output. */
final class Hex {
    private Hex() {}

    /**
     * Parses hex pairs separated by white space; {@code #} starts a comment that runs to the end of
     * the line, so each field of a frame can be annotated where it is written.
     */
    static byte[] bytes(String annotatedHex) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : annotatedHex.split("\n")) {
            int hash = line.indexOf('#');
            String data = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (data.isEmpty()) {
                continue;
            }
            for (String token : data.split("\\s+")) {
                if (token.length() != 2) {
                    throw new IllegalArgumentException("not a hex byte: '" + token + "' in line: " + line);
                }
                out.write(Integer.parseInt(token, 16));
            }
        }
        return out.toByteArray();
    }

    static String of(byte[] b) {
        return ByteBufUtil.hexDump(b);
    }

    /** The encoder's output for {@code m}, as a byte array. */
    static byte[] encode(Message m) {
        return encode(m, Dialect.P9_2000);
    }

    /** The encoder's output for {@code m} as {@code dialect} lays it out. */
    static byte[] encode(Message m, Dialect dialect) {
        ByteBuf buf = Unpooled.buffer();
        try {
            StyxWire.encode(m, dialect, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static Message decode(byte[] frame) {
        return decode(frame, Dialect.P9_2000);
    }

    static Message decode(byte[] frame, Dialect dialect) {
        return StyxWire.decode(Unpooled.wrappedBuffer(frame), dialect);
    }

    /** size[4] little-endian. */
    static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
