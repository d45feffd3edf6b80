package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;

/**
 * A 9P message: a request from a client ({@link Tmessage}) or a reply ({@link Rmessage}).
 * Each record spells out its own body, so its size, its encoding and (in the static
 * {@code decode} its {@link MessageType} constant names) its decoding sit side by side, and a
 * new message type that lacks one of them does not compile.
 */
public sealed interface Message permits Tmessage, Rmessage {
    int tag();

    MessageType type();

    /** Bytes after the size[4] type[1] tag[2] header in 9P2000; {@link StyxWire#size} is the whole frame. */
    int bodySize();

    /** Writes exactly {@link #bodySize()} bytes after the header; {@link StyxWire#encode} frames them. */
    void encodeBody(ByteBuf out);

    /**
     * The body's size in {@code dialect}. Only the messages 9P2000.u extends (Tauth, Tattach, Tcreate,
     * Rerror, Rstat, Twstat) override it; every other body is the same in every dialect.
     */
    default int bodySize(Dialect dialect) {
        return bodySize();
    }

    /** Writes exactly {@link #bodySize(Dialect)} bytes: the body as {@code dialect} lays it out. */
    default void encodeBody(ByteBuf out, Dialect dialect) {
        encodeBody(out);
    }
}
