package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Frames that are correctly sized but not legal in the dialect they arrive in, as {@link StyxWireMalformedTest}
 * has them for 9P2000: each must raise StyxCodecException with the tag and a message that says what is wrong.
 */
class DialectMalformedTest {

    private static StyxCodecException rejected(Dialect dialect, String annotatedHex) {
        byte[] frame = Hex.bytes(annotatedHex);
        // Guard the test itself: these are framing-correct, only the content is bad.
        assertThat(frame.length).as("size field of the hand-written frame")
                .isEqualTo((frame[0] & 0xff) | (frame[1] & 0xff) << 8);
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame, dialect));
        assertThat(e).as("decoding %s in %s", Hex.of(frame), dialect).isNotNull();
        return e;
    }

    // ---------------------------------------------------------------- 9P2000.L

    @Test
    void readdirCountPastTheEnd() {
        StyxCodecException e = rejected(Dialect.L, """
                0d 00 00 00   29   0c 00          # Rreaddir, tag 12, size 13
                64 00 00 00                       # count = 100 ...
                41 42                             # ... but 2 bytes follow
                """);
        assertThat(e.tag()).isEqualTo(12);
        assertThat(e).hasMessage("Rreaddir: data count 100 runs past the end of the message");
    }

    @Test
    void lcreateNameLengthPastTheEnd() {
        StyxCodecException e = rejected(Dialect.L, """
                13 00 00 00   0e   03 00          # Tlcreate, tag 3, size 19
                04 00 00 00                       # fid
                20 00                             # name claims 32 bytes ...
                68 69 01 00 00 00                 # ... 6 follow
                """);
        assertThat(e.tag()).isEqualTo(3);
        assertThat(e).hasMessage("Tlcreate: name runs past the end of the message");
    }

    @Test
    void renameatSecondNameLengthCutOff() {
        StyxCodecException e = rejected(Dialect.L, """
                10 00 00 00   4a   12 00          # Trenameat, tag 18, size 16
                01 00 00 00                       # olddirfid
                01 00 61                          # oldname = "a"
                02 00                             # newdirfid cut short: only 2 of its 4 bytes
                """);
        assertThat(e.tag()).isEqualTo(18);
        assertThat(e).hasMessage("Trenameat: newdirfid runs past the end of the message");
    }

    @Test
    void getattrReplyOneByteShort() {
        // Every field of Rgetattr's 153 bytes but the last byte of data_version.
        byte[] frame = Hex.concat(Hex.le32(7 + 152), Hex.bytes("19   08 00   # Rgetattr, tag 8"), new byte[152]);
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame, Dialect.L));
        assertThat(e.tag()).isEqualTo(8);
        assertThat(e).hasMessage("Rgetattr: data_version runs past the end of the message");
    }

    @Test
    void setattrCutOffAfterGid() {
        StyxCodecException e = rejected(Dialect.L, """
                1b 00 00 00   1a   09 00          # Tsetattr, tag 9, size 27
                0a 00 00 00   08 00 00 00         # fid, valid = SIZE
                a4 81 00 00   00 00 00 00         # mode, uid
                00 00 00 00                       # gid; size[8] and the times missing
                """);
        assertThat(e.tag()).isEqualTo(9);
        assertThat(e).hasMessage("Tsetattr: size runs past the end of the message");
    }

    @Test
    void lockClientIdNotUtf8() {
        StyxCodecException e = rejected(Dialect.L, """
                28 00 00 00   34   0e 00          # Tlock, tag 14, size 40
                05 00 00 00   01   00 00 00 00    # fid, type, flags
                00 00 00 00 00 00 00 00           # start
                00 00 00 00 00 00 00 00           # length
                01 00 00 00                       # proc_id
                02 00 c3 28                       # client_id: a lead byte and no continuation
                """);
        assertThat(e.tag()).isEqualTo(14);
        assertThat(e).hasMessage("Tlock: client_id is not valid UTF-8");
    }

    @Test
    void lerrorCodeCutOff() {
        StyxCodecException e = rejected(Dialect.L, "09 00 00 00   07   01 00   02 00   # Rlerror with half an ecode");
        assertThat(e.tag()).isEqualTo(1);
        assertThat(e).hasMessage("Rlerror: ecode runs past the end of the message");
    }

    @Test
    void trailingBytesAfterADotLRequest() {
        StyxCodecException e = rejected(Dialect.L, """
                14 00 00 00   18   08 00          # Tgetattr, tag 8, size 20
                09 00 00 00                       # fid
                ff 3f 00 00 00 00 00 00           # request_mask
                00                                # one byte too many
                """);
        assertThat(e.tag()).isEqualTo(8);
        assertThat(e).hasMessage("TGETATTR has 1 trailing bytes");
    }

    @Test
    void trailingBytesAfterAnEmptyDotLReply() {
        StyxCodecException e = rejected(Dialect.L, "0a 00 00 00   4d   13 00   00 00 00   # Runlinkat and 3 bytes");
        assertThat(e.tag()).isEqualTo(0x13);
        assertThat(e).hasMessage("RUNLINKAT has 3 trailing bytes");
    }

    @Test
    void direntsWithATruncatedEntry() {
        byte[] data = Hex.bytes(DialectGoldenTest.DIRENTS);
        byte[] cutName = Arrays.copyOf(data, data.length - 1);
        assertThatThrownBy(() -> StyxWire.decodeDirents(cutName))
                .isInstanceOf(StyxCodecException.class)
                .hasMessage("Rreaddir: name runs past the end of the message");
        byte[] cutQid = Arrays.copyOf(data, 25 + 12);   // the first entry and 12 of the second's 13 qid bytes
        assertThatThrownBy(() -> StyxWire.decodeDirents(cutQid))
                .isInstanceOf(StyxCodecException.class)
                .hasMessage("Rreaddir: qid runs past the end of the message");
    }

    // ---------------------------------------------------------------- 9P2000.u

    @Test
    void dotUStatWhoseExtensionRunsPastTheStatSize() {
        StyxCodecException e = rejected(Dialect.U, """
                5e 00 00 00   7d   0c 00          # Rstat, tag 12, size 94
                55 00                             # n = 85
                40 00                             # stat size = 64, which ends inside the extension
                00 00   00 00 00 00               # type, dev
                02 00 00 00 00   07 00 00 00 00 00 00 00   # qid
                ff 01 00 02   00 f1 53 65   01 f1 53 65    # mode, atime, mtime
                0b 00 00 00 00 00 00 00           # length
                02 00 6c 6e                       # name = "ln"
                06 00 67 6c 65 6e 64 61           # uid = "glenda"
                03 00 73 79 73                    # gid = "sys"
                00 00                             # muid = ""
                0b 00 2f 65 74 63 2f 70 61 73 73 77 64   # extension, 13 bytes from offset 58
                e8 03 00 00   03 00 00 00   ff ff ff ff  # n_uid, n_gid, n_muid
                """);
        assertThat(e.tag()).isEqualTo(12);
        assertThat(e).hasMessage("Rstat: stat fields run past the stat size");
    }

    /** What a server that forgot the dialect would send: a 9P2000 stat where .u wants the extended one. */
    @Test
    void plainStatInADotURstat() {
        StyxCodecException e = rejected(Dialect.U, """
                49 00 00 00   7d   0c 00          # Rstat, tag 12, size 73: the 9P2000 golden frame
                40 00   3e 00                     # n = 64, stat size = 62
                00 00   00 00 00 00               # type, dev
                00 02 00 00 00   2a 00 00 00 00 00 00 00   # qid
                a4 01 00 00   00 f1 53 65   01 f1 53 65    # mode, atime, mtime
                0b 00 00 00 00 00 00 00           # length
                06 00 68 c3 a9 6c 6c 6f           # name
                06 00 67 6c 65 6e 64 61           # uid
                03 00 73 79 73   00 00            # gid, muid; then neither extension nor ids
                """);
        assertThat(e.tag()).isEqualTo(12);
        assertThat(e).hasMessage("Rstat: extension length runs past the end of the message");
    }

    @Test
    void dotUWstatMissingItsIds() {
        StyxCodecException e = rejected(Dialect.U, """
                44 00 00 00   7e   0d 00          # Twstat, tag 13, size 68
                04 00 00 00                       # fid
                37 00   35 00                     # n = 55, stat size = 53: the ids left out
                ff ff  ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff
                00 00 00 00 00 00 00 00           # length = 0
                00 00 00 00 00 00 00 00           # name, uid, gid, muid = ""
                00 00                             # extension = ""
                ff ff ff ff                       # n_uid; n_gid and n_muid missing
                """);
        assertThat(e.tag()).isEqualTo(13);
        assertThat(e).hasMessage("Twstat: n_gid runs past the end of the message");
    }

    /** A frame is read in the dialect agreed: the .u fields are extra bytes in 9P2000 and missing ones in .u. */
    @Test
    void dotUFieldsAreTrailingBytesIn9P2000() {
        String dotUAttach = """
                1e 00 00 00   68   02 00          # Tattach .u, tag 2
                01 00 00 00   ff ff ff ff         # fid, afid
                06 00 67 6c 65 6e 64 61   01 00 2f   # uname, aname
                e9 03 00 00                       # n_uname
                """;
        assertThat(rejected(Dialect.P9_2000, dotUAttach)).hasMessage("TATTACH has 4 trailing bytes");
        String dotUError = """
                0f 00 00 00   6b   03 00          # Rerror .u, tag 3, size 15
                02 00 6e 6f   02 00 00 00         # ename = "no", errno = ENOENT
                """;
        assertThat(rejected(Dialect.P9_2000, dotUError)).hasMessage("RERROR has 4 trailing bytes");
    }

    @Test
    void plain9P2000FramesLackTheDotUFields() {
        String attach = """
                1a 00 00 00   68   02 00          # Tattach as 9P2000 writes it, tag 2
                01 00 00 00   ff ff ff ff         # fid, afid
                06 00 67 6c 65 6e 64 61   01 00 2f   # uname, aname; no n_uname
                """;
        assertThat(rejected(Dialect.U, attach)).hasMessage("Tattach: n_uname runs past the end of the message");
        assertThat(rejected(Dialect.L, attach)).hasMessage("Tattach: n_uname runs past the end of the message");
        String auth = "0f 00 00 00   66   01 00   05 00 00 00   00 00   00 00   # Tauth: afid, uname, aname";
        assertThat(rejected(Dialect.U, auth)).hasMessage("Tauth: n_uname runs past the end of the message");
        String create = """
                14 00 00 00   72   07 00          # Tcreate as 9P2000 writes it, tag 7
                03 00 00 00   02 00 6c 6e         # fid, name
                ff 01 00 02   00                  # perm, mode; no extension
                """;
        assertThat(rejected(Dialect.U, create)).hasMessage("Tcreate: extension length runs past the end of the message");
        String error = "0b 00 00 00   6b   03 00   02 00 6e 6f   # Rerror: ename = \"no\", no errno";
        assertThat(rejected(Dialect.U, error)).hasMessage("Rerror: errno runs past the end of the message");
    }

    // ---------------------------------------------------------------- through the frame decoder

    /** A server in 9P2000 answers a .L request as an unknown type; in .L it passes the request on. */
    @Test
    void frameDecoderReadsInItsDialect() {
        byte[] lopen = Hex.bytes("""
                0f 00 00 00   0c   02 00          # Tlopen, tag 2
                03 00 00 00   00 80 00 00         # fid = 3, flags = LARGEFILE
                """);
        byte[] lerror = Hex.bytes("0b 00 00 00   07   05 00   02 00 00 00   # Rlerror, tag 5");
        StyxFrameDecoder decoder = new StyxFrameDecoder(true, P9.DEFAULT_MSIZE);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(lopen));
        assertThat((Object) ch.readInbound()).isEqualTo(new BadMessage(2, "unknown message type 12"));
        decoder.dialect(Dialect.L);
        ch.writeInbound(Unpooled.wrappedBuffer(lopen));
        assertThat((Object) ch.readInbound()).isEqualTo(new Tmessage.Lopen(2, 3, 0100000));
        ch.writeInbound(Unpooled.wrappedBuffer(lerror));
        assertThat((Object) ch.readInbound()).isEqualTo(new BadMessage(5, "unexpected reply RLERROR sent to a server"));
        assertThat(ch.finish()).isFalse();
    }
}
