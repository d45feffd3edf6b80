package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Encodes messages into frames of exactly their size. Stateless, so one instance serves every channel. */
@ChannelHandler.Sharable
public final class StyxEncoder extends MessageToByteEncoder<Message> {
    public static final StyxEncoder INSTANCE = new StyxEncoder();

    private StyxEncoder() {
        super(Message.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Message msg, boolean preferDirect) {
        int size = StyxWire.size(msg);
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
        StyxWire.encode(msg, out);
    }
}
