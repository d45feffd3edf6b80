package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes messages into frames of exactly their size, in the channel's {@link Dialect#CHANNEL} (9P2000 until a
 * server sets it). Stateless, so one instance serves every channel.
 */
@ChannelHandler.Sharable
public final class StyxEncoder extends MessageToByteEncoder<Message> {
    public static final StyxEncoder INSTANCE = new StyxEncoder();

    private StyxEncoder() {
        super(Message.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Message msg, boolean preferDirect) {
        int size = StyxWire.size(msg, dialect(ctx));
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
        StyxWire.encode(msg, dialect(ctx), out);
    }

    private static Dialect dialect(ChannelHandlerContext ctx) {
        Dialect d = ctx.channel().attr(Dialect.CHANNEL).get();
        return d == null ? Dialect.P9_2000 : d;
    }
}
