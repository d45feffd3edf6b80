package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Frames that are correctly sized but not legal 9P2000. Each must raise StyxCodecException carrying
 * the request's tag (so a server can answer Rerror under it) and a message that says what is wrong.
 */
class StyxWireMalformedTest {

    private static StyxCodecException rejected(String annotatedHex) {
        byte[] frame = Hex.bytes(annotatedHex);
        // Guard the test itself: these are framing-correct, only the content is bad.
        assertThat(frame.length).as("size field of the hand-written frame")
                .isEqualTo((frame[0] & 0xff) | (frame[1] & 0xff) << 8);
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame));
        assertThat(e).as("decoding %s", Hex.of(frame)).isNotNull();
        return e;
    }

    @Test
    void stringRunningPastTheEnd() {
        StyxCodecException e = rejected("""
                13 00 00 00   64   2a 00          # Tversion, tag 42
                00 20 00 00                       # msize
                0a 00 39 50 32 30 30 30           # version claims 10 bytes, 6 are there
                """);
        assertThat(e.tag()).isEqualTo(42);
        assertThat(e).hasMessage("Tversion: version runs past the end of the message");
    }

    @Test
    void stringLengthItselfCutOff() {
        StyxCodecException e = rejected("""
                0c 00 00 00   66   07 00          # Tauth, tag 7
                01 00 00 00                       # afid
                00                                # half of uname's length
                """);
        assertThat(e.tag()).isEqualTo(7);
        assertThat(e).hasMessage("Tauth: uname length runs past the end of the message");
    }

    @Test
    void walkOfSeventeenNames() {
        // All 17 names are present, so only the count can be the reason.
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (int i = 0; i < 17; i++) {
            names.writeBytes(new byte[] {1, 0, (byte) ('a' + i)});
        }
        byte[] frame = Hex.concat(Hex.bytes("""
                44 00 00 00   6e   07 00          # size = 17 + 17 * 3 = 68, Twalk, tag 7
                01 00 00 00   02 00 00 00         # fid, newfid
                11 00                             # nwname = 17
                """), names.toByteArray());
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame));
        assertThat(e.tag()).isEqualTo(7);
        assertThat(e).hasMessage("Twalk: walk of 17 names; at most 16 are allowed");
    }

    @Test
    void walkReplyOfSeventeenQids() {
        StyxCodecException e = rejected("""
                09 00 00 00   6f   07 00          # Rwalk, tag 7
                11 00                             # nwqid = 17; the count is refused before any qid is read
                """);
        assertThat(e.tag()).isEqualTo(7);
        assertThat(e.getMessage()).startsWith("Rwalk:").contains("17 qids");
    }

    @Test
    void writeCountPastTheEnd() {
        StyxCodecException e = rejected("""
                19 00 00 00   76   09 00          # Twrite, tag 9, size 25
                03 00 00 00                       # fid
                00 00 00 00 00 00 00 00           # offset
                ff ff ff ff                       # count = 2^32-1 ...
                41 42                             # ... but 2 bytes follow
                """);
        assertThat(e.tag()).isEqualTo(9);
        assertThat(e).hasMessage("Twrite: data count 4294967295 runs past the end of the message");
    }

    @Test
    void readCountOneMoreThanThere() {
        StyxCodecException e = rejected("""
                0d 00 00 00   75   08 00          # Rread, tag 8
                03 00 00 00                       # count = 3 ...
                41 42                             # ... but 2 bytes follow
                """);
        assertThat(e.tag()).isEqualTo(8);
        assertThat(e).hasMessage("Rread: data count 3 runs past the end of the message");
    }

    @Test
    void fixedFieldCutOff() {
        StyxCodecException e = rejected("""
                13 00 00 00   74   08 00          # Tread, tag 8, size 19 (4 short)
                03 00 00 00                       # fid
                00 00 00 00 00 00 00 00           # offset; count missing
                """);
        assertThat(e.tag()).isEqualTo(8);
        assertThat(e).hasMessage("Tread: count runs past the end of the message");
    }

    @ParameterizedTest(name = "type {0}")
    @ValueSource(ints = {0, 1, 99, 128, 200, 255})
    void unknownType(int type) {
        byte[] frame = Hex.bytes("07 00 00 00  00  34 12");
        frame[4] = (byte) type;
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame));
        assertThat(e.tag()).isEqualTo(0x1234);
        assertThat(e).hasMessage("unknown message type " + type);
    }

    /** 106 is reserved for Terror, which fcall.h defines but which is never legal on the wire. */
    @Test
    void terrorIsNotAMessage() {
        StyxCodecException e = rejected("""
                09 00 00 00   6a   05 00          # type 106, tag 5
                00 00                             # something that would parse as an empty string
                """);
        assertThat(e.tag()).isEqualTo(5);
        assertThat(e).hasMessage("unknown message type 106");
    }

    @ParameterizedTest(name = "uname bytes {0}")
    @ValueSource(strings = {
            "c3 28",       // lead byte followed by a non-continuation
            "80",          // lone continuation byte
            "c0 af",       // overlong encoding of '/'
            "ed a0 80",    // a UTF-16 surrogate encoded as if it were a character
            "e6 97",       // a three-byte sequence cut short
            "f4 90 80 80", // beyond U+10FFFF
            "ff"})
    void invalidUtf8(String bad) {
        byte[] name = Hex.bytes(bad);
        byte[] frame = Hex.concat(Hex.le32(7 + 4 + 4 + 2 + name.length + 2), Hex.bytes("""
                68   0b 00                        # Tattach, tag 11
                00 00 00 00   ff ff ff ff         # fid, afid
                """), new byte[] {(byte) name.length, 0}, name, Hex.bytes("00 00"));
        StyxCodecException e = catchThrowableOfType(StyxCodecException.class, () -> Hex.decode(frame));
        assertThat(e.tag()).isEqualTo(11);
        assertThat(e).hasMessage("Tattach: uname is not valid UTF-8");
    }

    @Test
    void trailingBytesAfterACompleteMessage() {
        StyxCodecException e = rejected("""
                0c 00 00 00   78   0a 00          # Tclunk, tag 10, size 12
                01 00 00 00                       # fid
                00                                # one byte too many
                """);
        assertThat(e.tag()).isEqualTo(10);
        assertThat(e.getMessage()).contains("TCLUNK").contains("1 trailing byte");
    }

    @Test
    void trailingBytesAfterAnEmptyReply() {
        StyxCodecException e = rejected("09 00 00 00   6d   04 00   00 00    # Rflush with two extra bytes");
        assertThat(e.tag()).isEqualTo(4);
        assertThat(e.getMessage()).contains("2 trailing bytes");
    }

    private static final String DONT_TOUCH_STAT = """
            2f 00                                      # stat size = 47
            ff ff  ff ff ff ff                         # type, dev
            ff ff ff ff ff ff ff ff ff ff ff ff ff     # qid
            ff ff ff ff ff ff ff ff ff ff ff ff        # mode, atime, mtime
            ff ff ff ff ff ff ff ff                    # length
            00 00 00 00 00 00 00 00                    # four empty strings
            """;

    @Test
    void wstatLengthSmallerThanTheStat() {
        StyxCodecException e = rejected("""
                3e 00 00 00   7e   0d 00          # Twstat, tag 13
                04 00 00 00                       # fid
                30 00                             # n = 48, but the stat is 49 bytes
                """ + DONT_TOUCH_STAT);
        assertThat(e.tag()).isEqualTo(13);
        assertThat(e).hasMessage("Twstat: stat length 48 disagrees with the stat's own size");
    }

    @Test
    void wstatLengthLargerThanTheStat() {
        StyxCodecException e = rejected("""
                3f 00 00 00   7e   0d 00          # Twstat, tag 13, one byte after the stat
                04 00 00 00                       # fid
                32 00                             # n = 50, but the stat is 49 bytes
                """ + DONT_TOUCH_STAT + """
                00                                # the byte n counts in
                """);
        assertThat(e.tag()).isEqualTo(13);
        assertThat(e).hasMessage("Twstat: stat length 50 disagrees with the stat's own size");
    }

    @Test
    void statShorterThanItsFixedPart() {
        StyxCodecException e = rejected("""
                15 00 00 00   7d   0c 00          # Rstat, tag 12, size 21
                0c 00                             # n = 12
                0a 00                             # stat size = 10, less than the 47 of an empty stat
                00 00 00 00 00 00 00 00 00 00
                """);
        assertThat(e.tag()).isEqualTo(12);
        assertThat(e).hasMessage("Rstat: stat of 10 bytes is too short");
    }

    @Test
    void statWhoseStringsRunPastItsSize() {
        StyxCodecException e = rejected("""
                3b 00 00 00   7d   0c 00          # Rstat, tag 12, size 59
                32 00                             # n = 50
                2f 00                             # stat size = 47: room for empty strings only
                ff ff  ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff
                ff ff ff ff ff ff ff ff
                01 00 78                          # name = "x" takes 3 of the 47 + 3 bytes n counts
                00 00 00 00 00 00
                """);
        assertThat(e.tag()).isEqualTo(12);
        assertThat(e).hasMessage("Rstat: stat fields run past the stat size");
    }

    /**
     * stat(5) defines a stat as exactly its fields; Plan 9's statcheck refuses one with bytes left
     * over, and accepting it would mean a decoded Twstat no longer re-encodes to what was sent.
     */
    @Test
    void statWithBytesAfterItsLastString() {
        StyxCodecException e = rejected("""
                40 00 00 00   7e   0d 00          # Twstat, tag 13
                04 00 00 00                       # fid
                33 00                             # n = 51
                31 00                             # stat size = 49: two bytes more than its fields
                ff ff  ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff ff
                ff ff ff ff ff ff ff ff ff ff ff ff
                ff ff ff ff ff ff ff ff
                00 00 00 00 00 00 00 00           # four empty strings
                ab cd                             # the extra bytes
                """);
        assertThat(e.tag()).isEqualTo(13);
        assertThat(e.getMessage()).startsWith("Twstat: ").contains("2 bytes after");
    }

    @Test
    void directoryDataWithATruncatedEntry() {
        byte[] data = Hex.bytes(DONT_TOUCH_STAT);
        byte[] cut = Arrays.copyOf(data, data.length - 1);
        assertThatThrownBy(() -> StyxWire.decodeDirs(cut))
                .isInstanceOf(StyxCodecException.class)
                .hasMessageContaining("stat runs past the end");
    }

    /** decode() takes whole frames only; the frame decoder guarantees that, so a mismatch is a caller bug. */
    @Test
    void decodeRefusesSomethingThatIsNotAWholeFrame() {
        assertThatThrownBy(() -> Hex.decode(Hex.bytes("08 00 00 00  78 0a 00")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hex.decode(Hex.bytes("07 00 00 00  78 0a")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
