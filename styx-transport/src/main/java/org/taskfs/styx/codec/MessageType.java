package org.taskfs.styx.codec;

/** 9P2000 message types and their wire numbers. T-messages are even, their replies the next odd number. */
public enum MessageType {
    TVERSION(100), RVERSION(101),
    TAUTH(102), RAUTH(103),
    TATTACH(104), RATTACH(105),
    /** Illegal on the wire; listed so its number is not mistaken for an unknown one. */
    TERROR(106), RERROR(107),
    TFLUSH(108), RFLUSH(109),
    TWALK(110), RWALK(111),
    TOPEN(112), ROPEN(113),
    TCREATE(114), RCREATE(115),
    TREAD(116), RREAD(117),
    TWRITE(118), RWRITE(119),
    TCLUNK(120), RCLUNK(121),
    TREMOVE(122), RREMOVE(123),
    TSTAT(124), RSTAT(125),
    TWSTAT(126), RWSTAT(127);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
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
}
