package org.taskfs.styx.util;

import java.util.ArrayList;
import java.util.List;

/**
 * Plan 9 quoting, as produced by the {@code %q} print verb and consumed by {@code tokenize(2)}.
 *
 * <p>These two functions define the textual formats of devcmd and taskfs files: status and wait lines are written
 * with {@link #quote}, ctl commands are split with {@link #tokenize}. Both must match Plan 9 byte for byte, so a
 * client written for Inferno parses our output and vice versa.
 */
public final class PlanNineQuoting {

    private static final String SEPARATORS = " \t\r\n";

    private PlanNineQuoting() {
    }

    /**
     * Quotes {@code s} the way Plan 9's {@code %q} does: unchanged unless it is empty or contains a character
     * at or below space (blanks and control characters) or a single quote; then it is wrapped in single quotes
     * with every embedded quote doubled. {@code quote("")} is {@code ''}, {@code quote("it's")} is {@code 'it''s'}.
     */
    public static String quote(String s) {
        if (!needsQuotes(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('\'');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                b.append('\'');
            }
            b.append(c);
        }
        return b.append('\'').toString();
    }

    /** Whether {@link #quote} would add quotes. */
    public static boolean needsQuotes(String s) {
        if (s.isEmpty()) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '\'') {
                return true;
            }
        }
        return false;
    }

    /**
     * Splits {@code s} into words as Plan 9's {@code tokenize} does. Words are separated by runs of space, tab,
     * CR and LF. A single quote starts a quoted section that runs to the next lone quote (separators inside it are
     * kept); within a quoted section {@code ''} stands for one quote. Quoted and unquoted parts join into one word,
     * so {@code a'b c'd} is the single word {@code ab cd}, and {@code ''} alone is an empty word. An unterminated
     * quote extends to the end of the input.
     */
    public static List<String> tokenize(String s) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && SEPARATORS.indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (i >= n) {
                return words;
            }
            StringBuilder word = new StringBuilder();
            boolean quoting = false;
            while (i < n && (quoting || SEPARATORS.indexOf(s.charAt(i)) < 0)) {
                char c = s.charAt(i);
                if (c != '\'') {
                    word.append(c);
                    i++;
                } else if (!quoting) {
                    quoting = true;
                    i++;
                } else if (i + 1 < n && s.charAt(i + 1) == '\'') {
                    word.append('\'');
                    i += 2;
                } else {
                    quoting = false;
                    i++;
                }
            }
            words.add(word.toString());
        }
    }
}
