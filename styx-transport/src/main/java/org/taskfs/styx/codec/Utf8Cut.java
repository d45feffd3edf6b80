package org.taskfs.styx.codec;

import java.nio.charset.StandardCharsets;

/**
 * Cutting text to a number of UTF-8 bytes, for strings that must fit a 9P message (an Rerror
 * echoing a long input): the cut falls between characters and is marked with "…".
 */
public final class Utf8Cut {
    private Utf8Cut() {}

    /** The mark of a cut string: U+2026, 3 bytes in UTF-8. */
    public static final String ELLIPSIS = "\u2026";
    private static final int ELLIPSIS_BYTES = 3;

    /** Most bytes a 9P string can hold: its length is 16 bits. */
    public static final int MAX_STRING = 0xFFFF;

    /**
     * {@code s} itself if its UTF-8 form has at most {@code max} bytes, otherwise its longest prefix
     * that, with "…" after it, still does (just the prefix when {@code max} has no room for "…").
     */
    public static String cut(String s, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max " + max + " is negative");
        }
        // getBytes sends an unpaired surrogate as '?', one byte, as StyxWire counts and writes it.
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return s;
        }
        boolean marked = max >= ELLIPSIS_BYTES;
        int n = marked ? max - ELLIPSIS_BYTES : max;
        // b[n] is the first byte left out: while it continues a character, that character is cut.
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--;
        }
        String prefix = new String(b, 0, n, StandardCharsets.UTF_8);
        return marked ? prefix + ELLIPSIS : prefix;
    }
}
