package org.taskfs.styx.codec;

/** Constants of 9P2000, with the values of Plan 9's {@code fcall.h} and intro(5). */
public final class P9 {
    private P9() {}

    public static final String VERSION = "9P2000";
    /** Bytes of an Rreaddir's header, as IOHDRSZ for reads: what count leaves for entries. */
    public static final int READDIRHDRSZ = 24;
    /** The tag of Tversion. */
    public static final int NOTAG = 0xFFFF;
    /** "No fid", as an unsigned 32-bit value carried in an int. */
    public static final int NOFID = 0xFFFFFFFF;
    /** 9P2000.u/.L: "no numeric uid" in n_uname, and "don't touch" or unknown in a stat's n_uid. */
    public static final int NONUNAME = 0xFFFFFFFF;
    /** Most names in one Twalk. */
    public static final int MAXWELEM = 16;
    /** Bytes of a Tread/Rread/Twrite header: what iounit leaves for data. */
    public static final int IOHDRSZ = 24;
    /** size[4] type[1] tag[2]. */
    public static final int HEADER_SIZE = 7;
    /** A frame smaller than this cannot hold Tversion with an empty string; msize below it is refused. */
    public static final int MIN_MSIZE = 256;
    public static final int DEFAULT_MSIZE = 64 * 1024;
    public static final int MAX_MSIZE = 1024 * 1024;
    /** Plan 9's longest error string, which the Linux client also allows an Rerror's text in 9P2000.u. */
    public static final int ERRMAX = 128;
    /** Longest file name element accepted. */
    public static final int MAX_NAME = 255;

    // open modes
    public static final int OREAD = 0;
    public static final int OWRITE = 1;
    public static final int ORDWR = 2;
    public static final int OEXEC = 3;
    public static final int OTRUNC = 0x10;
    public static final int ORCLOSE = 0x40;
    /** 9P2000.u: the open is for appending (O_APPEND). */
    public static final int OAPPEND = 0x80;

    // Dir.mode bits
    public static final int DMDIR = 0x80000000;
    public static final int DMAPPEND = 0x40000000;
    public static final int DMEXCL = 0x20000000;
    public static final int DMAUTH = 0x08000000;
    public static final int DMTMP = 0x04000000;
    // 9P2000.u's kinds of special file
    public static final int DMSYMLINK = 0x02000000;
    public static final int DMLINK = 0x01000000;
    public static final int DMDEVICE = 0x00800000;
    public static final int DMNAMEDPIPE = 0x00200000;
    public static final int DMSOCKET = 0x00100000;
    public static final int DMSETUID = 0x00080000;
    public static final int DMSETGID = 0x00040000;
    public static final int DMSETVTX = 0x00010000;

    // Qid.type bits
    public static final int QTDIR = 0x80;
    public static final int QTAPPEND = 0x40;
    public static final int QTEXCL = 0x20;
    public static final int QTAUTH = 0x08;
    public static final int QTTMP = 0x04;
    public static final int QTFILE = 0x00;
}
