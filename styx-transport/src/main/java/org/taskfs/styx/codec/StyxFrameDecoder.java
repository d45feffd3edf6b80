package org.taskfs.styx.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits the byte stream into 9P frames and decodes them. The size field is checked against the
 * negotiated msize before a single byte of the frame is gathered, so a size of 4 GiB allocates
 * nothing: it closes the connection (no Rerror can be framed for a stream that is out of step).
 * A frame that is well formed but not a legal message of the expected direction becomes a
 * {@link BadMessage} (for a server) or an exception (for a client).
 */
public final class StyxFrameDecoder extends ByteToMessageDecoder {
    /** Before Tversion only a small frame makes sense. */
    public static final int PRE_VERSION_LIMIT = 8192;

    private final boolean acceptRequests;
    private volatile int maxFrameSize;
    private volatile Dialect dialect = Dialect.P9_2000;
    /** Set by a framing error: the stream cannot be followed any more, so input is dropped. */
    private boolean discarding;

    /**
     * @param acceptRequests true on a server (T-messages expected), false on a client
     * @param maxFrameSize   the largest frame accepted until {@link #maxFrameSize(int)} changes it
     */
    public StyxFrameDecoder(boolean acceptRequests, int maxFrameSize) {
        this.acceptRequests = acceptRequests;
        this.maxFrameSize = maxFrameSize;
    }

    /** Sets the largest accepted frame, normally to the msize just negotiated. */
    public void maxFrameSize(int size) {
        this.maxFrameSize = size;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Sets the dialect later frames are read in, once Tversion agreed on it. */
    public void dialect(Dialect d) {
        this.dialect = d;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding) {
            in.skipBytes(in.readableBytes());
            return;
        }
        // One frame per call: Netty hands it on before decoding the next, so a Tversion is answered, and its
        // dialect set, before the frame after it is read.
        if (in.readableBytes() >= 4) {
            long size = Integer.toUnsignedLong(in.getIntLE(in.readerIndex()));
            if (size < P9.HEADER_SIZE) {
                throw framingError(ctx, in,
                        new CorruptedFrameException("9P frame size " + size + " is smaller than the 7-byte header"));
            }
            if (size > maxFrameSize) {
                throw framingError(ctx, in,
                        new TooLongFrameException("9P frame size " + size + " exceeds msize " + maxFrameSize));
            }
            if (in.readableBytes() < size) {
                return;
            }
            ByteBuf frame = in.readRetainedSlice((int) size);
            try {
                out.add(decodeFrame(frame));
            } finally {
                frame.release();
            }
        }
    }

    /**
     * Without a believable size there is no next frame to find: drop what is held (otherwise every
     * later read would pile up behind the bad header), close, and let the exception say why.
     */
    private DecoderException framingError(ChannelHandlerContext ctx, ByteBuf in, DecoderException e) {
        discarding = true;
        in.skipBytes(in.readableBytes());
        // Closed after the frames decoded before this one have been handled and answered.
        ctx.executor().execute(ctx::close);
        return e;
    }

    private Object decodeFrame(ByteBuf frame) {
        int type = frame.getUnsignedByte(frame.readerIndex() + 4);
        int tag = frame.getUnsignedShortLE(frame.readerIndex() + 5);
        Dialect d = dialect;
        MessageType known = MessageType.of(type, d);
        if (known != null && known != MessageType.TERROR && known != MessageType.TLERROR
                && known.isRequest() != acceptRequests) {
            String reason = (acceptRequests ? "unexpected reply " : "unexpected request ") + known.name()
                    + (acceptRequests ? " sent to a server" : " sent to a client");
            if (acceptRequests) {
                return new BadMessage(tag, reason);
            }
            throw new CorruptedFrameException(reason);
        }
        try {
            return StyxWire.decode(frame, d);
        } catch (StyxCodecException e) {
            if (acceptRequests) {
                return new BadMessage(e.tag(), e.getMessage());
            }
            throw new CorruptedFrameException("bad reply: " + e.getMessage());
        }
    }

    /** Bytes of an incomplete frame still held, for tests and for the slow-sender guard. */
    public int pendingBytes() {
        return actualReadableBytes();
    }
}
