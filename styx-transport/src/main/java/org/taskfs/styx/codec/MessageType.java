package org.taskfs.styx.codec;

/**
 * 9P message types, their wire numbers and their decoders. T-messages are even, their replies
 * the next odd number. The decoder is a constructor argument so that no type can be added without one.
 * The 9P2000.L types exist only on a connection that agreed on .L; elsewhere their numbers are unknown.
 */
public enum MessageType {
    // 9P2000.L
    TLERROR(6, MessageType::neverOnTheWire, Dialect.L), RLERROR(7, Rmessage.Lerror::decode, Dialect.L),
    TSTATFS(8, Tmessage.Statfs::decode, Dialect.L), RSTATFS(9, Rmessage.Statfs::decode, Dialect.L),
    TLOPEN(12, Tmessage.Lopen::decode, Dialect.L), RLOPEN(13, Rmessage.Lopen::decode, Dialect.L),
    TLCREATE(14, Tmessage.Lcreate::decode, Dialect.L), RLCREATE(15, Rmessage.Lcreate::decode, Dialect.L),
    TSYMLINK(16, Tmessage.Symlink::decode, Dialect.L), RSYMLINK(17, Rmessage.Symlink::decode, Dialect.L),
    TMKNOD(18, Tmessage.Mknod::decode, Dialect.L), RMKNOD(19, Rmessage.Mknod::decode, Dialect.L),
    TRENAME(20, Tmessage.Rename::decode, Dialect.L), RRENAME(21, Rmessage.Rename::decode, Dialect.L),
    TREADLINK(22, Tmessage.Readlink::decode, Dialect.L), RREADLINK(23, Rmessage.Readlink::decode, Dialect.L),
    TGETATTR(24, Tmessage.Getattr::decode, Dialect.L), RGETATTR(25, Rmessage.Getattr::decode, Dialect.L),
    TSETATTR(26, Tmessage.Setattr::decode, Dialect.L), RSETATTR(27, Rmessage.Setattr::decode, Dialect.L),
    TXATTRWALK(30, Tmessage.Xattrwalk::decode, Dialect.L), RXATTRWALK(31, Rmessage.Xattrwalk::decode, Dialect.L),
    TXATTRCREATE(32, Tmessage.Xattrcreate::decode, Dialect.L),
    RXATTRCREATE(33, Rmessage.Xattrcreate::decode, Dialect.L),
    TREADDIR(40, Tmessage.Readdir::decode, Dialect.L), RREADDIR(41, Rmessage.Readdir::decode, Dialect.L),
    TFSYNC(50, Tmessage.Fsync::decode, Dialect.L), RFSYNC(51, Rmessage.Fsync::decode, Dialect.L),
    TLOCK(52, Tmessage.Lock::decode, Dialect.L), RLOCK(53, Rmessage.Lock::decode, Dialect.L),
    TGETLOCK(54, Tmessage.Getlock::decode, Dialect.L), RGETLOCK(55, Rmessage.Getlock::decode, Dialect.L),
    TLINK(70, Tmessage.Link::decode, Dialect.L), RLINK(71, Rmessage.Link::decode, Dialect.L),
    TMKDIR(72, Tmessage.Mkdir::decode, Dialect.L), RMKDIR(73, Rmessage.Mkdir::decode, Dialect.L),
    TRENAMEAT(74, Tmessage.Renameat::decode, Dialect.L), RRENAMEAT(75, Rmessage.Renameat::decode, Dialect.L),
    TUNLINKAT(76, Tmessage.Unlinkat::decode, Dialect.L), RUNLINKAT(77, Rmessage.Unlinkat::decode, Dialect.L),
    // 9P2000 (and .u, which changes some of their bodies)
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
    /** The one dialect this type belongs to, or null for 9P2000's types, which every dialect has. */
    private final Dialect only;

    MessageType(int code, BodyDecoder decoder) {
        this(code, decoder, null);
    }

    MessageType(int code, BodyDecoder decoder, Dialect only) {
        this.code = code;
        this.decoder = decoder;
        this.only = only;
    }

    public int code() {
        return code;
    }

    public boolean isRequest() {
        return (code & 1) == 0;
    }

    /** The type for a wire byte, or null if 9P2000 has none. */
    public static MessageType of(int code) {
        return of(code, Dialect.P9_2000);
    }

    /** The type for a wire byte in {@code dialect}, or null if it has none. */
    public static MessageType of(int code, Dialect dialect) {
        MessageType t = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return t == null || t.only == null || t.only == dialect ? t : null;
    }

    Message decodeBody(StyxWire.Reader in) {
        return decoder.decode(in);
    }

    /** Terror and Tlerror have numbers but no message: a peer that sends one sent an unknown type. */
    private static Message neverOnTheWire(StyxWire.Reader in) {
        throw StyxWire.unknownType(in.tag(), in.type().code());
    }
}
