package org.taskfs.styx.codec;

/**
 * 9P2000 message types, their wire numbers and their decoders. T-messages are even, their replies
 * the next odd number. The decoder is a constructor argument so that no type can be added without one.
 */
public enum MessageType {
    TVERSION(100, Tmessage.Version::decode), RVERSION(101, Rmessage.Version::decode),
    TAUTH(102, Tmessage.Auth::decode), RAUTH(103, Rmessage.Auth::decode),
    TATTACH(104, Tmessage.Attach::decode), RATTACH(105, Rmessage.Attach::decode),
    /** Illegal on the wire; listed so its number is not mistaken for an unknown one. */
    TERROR(106, MessageType::neverOnTheWire), RERROR(107, Rmessage.Error::decode),
    TFLUSH(108, Tmessage.Flush::decode), RFLUSH(109, Rmessage.Flush::decode),
    TWALK(110, Tmessage.Walk::decode), RWALK(111, Rmessage.Walk::decode),
    TOPEN(112, Tmessage.Open::decode), ROPEN(113, Rmessage.Open::decode),
    TCREATE(114, Tmessage.Create::decode), RCREATE(115, Rmessage.Create::decode),
    TREAD(116, Tmessage.Read::decode), RREAD(117, Rmessage.Read::decode),
    TWRITE(118, Tmessage.Write::decode), RWRITE(119, Rmessage.Write::decode),
    TCLUNK(120, Tmessage.Clunk::decode), RCLUNK(121, Rmessage.Clunk::decode),
    TREMOVE(122, Tmessage.Remove::decode), RREMOVE(123, Rmessage.Remove::decode),
    TSTAT(124, Tmessage.Stat::decode), RSTAT(125, Rmessage.Stat::decode),
    TWSTAT(126, Tmessage.Wstat::decode), RWSTAT(127, Rmessage.Wstat::decode);

    /** Reads a message body, the header already consumed, into its record. */
    @FunctionalInterface
    interface BodyDecoder {
        Message decode(StyxWire.Reader in);
    }

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final BodyDecoder decoder;

    MessageType(int code, BodyDecoder decoder) {
        this.code = code;
        this.decoder = decoder;
    }

    public int code() {
        return code;
    }

    public boolean isRequest() {
        return (code & 1) == 0;
    }

    /** The type for a wire byte, or null if 9P2000 has none. */
    public static MessageType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    Message decodeBody(StyxWire.Reader in) {
        return decoder.decode(in);
    }

    /** Terror has a number in fcall.h but no message: a peer that sends it sent an unknown type. */
    private static Message neverOnTheWire(StyxWire.Reader in) {
        throw StyxWire.unknownType(in.tag(), in.type().code());
    }
}
