package org.taskfs.coord.pool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Hostlists as Slurm and pdsh write them: {@code n[1-4,7]} is n1 n2 n3 n4 n7, {@code rack[1-2]-n[01-16]}
 * multiplies out (leftmost group slowest), commas outside brackets separate items ({@code n1,n[3-5],login}).
 * A range is padded to the width of its lower bound as written: {@code [01-16]} gives 01 … 16, {@code [8-10]}
 * gives 8 9 10. Pure; errors name the hostlist and what is wrong with it.
 */
public final class Hostlist {
    /** Most names one hostlist may expand to: a typo such as {@code n[1-1000000]} is refused, not allocated. */
    public static final int MAX_NAMES = 65536;
    /** Longest number in a range: more would not fit a long, and no host is numbered so. */
    private static final int MAX_DIGITS = 18;

    private Hostlist() {}

    /**
     * The names of a hostlist, in order, duplicates kept (callers that want a set make one).
     *
     * @throws IllegalArgumentException {@code hostlist "TEXT": PROBLEM}
     */
    public static List<String> expand(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("hostlist \"\": empty; expected names such as n[1-4],login");
        }
        List<List<Object>> items = new ArrayList<>();
        long total = 0;
        for (String item : items(text)) {
            List<Object> parts = parts(text, item);
            long count = 1;
            for (Object p : parts) {
                // Each group holds at most MAX_NAMES, so the product cannot overflow before the check.
                if (p instanceof List<?> group && (count *= group.size()) > MAX_NAMES) {
                    break;
                }
            }
            total += count;
            if (total > MAX_NAMES) {
                throw error(text, "more than " + MAX_NAMES + " names");
            }
            items.add(parts);
        }
        List<String> out = new ArrayList<>();
        for (List<Object> parts : items) {
            multiply(parts, 0, new StringBuilder(), out);
        }
        return out;
    }

    /** Whether {@code text} names more than one thing by hostlist syntax: a comma, or brackets of numbers. */
    public static boolean isHostlist(String text) {
        if (text.contains(",")) {
            return true;
        }
        int open = text.indexOf('[');
        // [::1]:6666 is an IPv6 address, not a range: a range holds no colon.
        return open >= 0 && !text.substring(open, Math.max(open, text.indexOf(']', open))).contains(":");
    }

    /**
     * The names as one hostlist, for display: each run of names differing only in their last number becomes
     * one bracket ({@code n1 n2 n3 n7} → {@code n[1-3,7]}); groups in the order of their first name, numbers
     * ascending, duplicates once. Zero-padded numbers group only with numbers of their own width.
     */
    public static String compress(Collection<String> names) {
        // Keyed by prefix, suffix and width; a name without a number is its own group, with no numbers.
        Map<List<Object>, Group> groups = new LinkedHashMap<>();
        for (String name : names) {
            int end = name.length();
            while (end > 0 && !digit(name.charAt(end - 1))) {
                end--;
            }
            int start = end;
            while (start > 0 && digit(name.charAt(start - 1))) {
                start--;
            }
            if (start == end || end - start > MAX_DIGITS) {
                groups.putIfAbsent(List.of(name), new Group(name, "", 0, null));
                continue;
            }
            String digits = name.substring(start, end);
            int width = digits.length() > 1 && digits.charAt(0) == '0' ? digits.length() : 0;
            String prefix = name.substring(0, start);
            String suffix = name.substring(end);
            Group g = groups.computeIfAbsent(List.of(prefix, suffix, width),
                    k -> new Group(prefix, suffix, width, new TreeSet<>()));
            g.numbers().add(Long.parseLong(digits));
        }
        StringBuilder b = new StringBuilder();
        for (Group g : groups.values()) {
            b.append(b.length() > 0 ? "," : "").append(g.text());
        }
        return b.toString();
    }

    /** Names that differ only in one number: PREFIX NUMBER SUFFIX; numbers null for a name without one. */
    private record Group(String prefix, String suffix, int width, TreeSet<Long> numbers) {
        String text() {
            if (numbers == null) {
                return prefix;
            }
            if (numbers.size() == 1) {
                return prefix + pad(numbers.first(), width) + suffix;
            }
            StringBuilder s = new StringBuilder(prefix).append('[');
            long first = numbers.first();
            long last = first;
            for (long n : numbers.tailSet(first, false)) {
                if (n != last + 1) {
                    range(s, first, last);
                    first = n;
                }
                last = n;
            }
            range(s, first, last);
            return s.append(']').append(suffix).toString();
        }

        private void range(StringBuilder s, long first, long last) {
            s.append(s.charAt(s.length() - 1) == '[' ? "" : ",").append(pad(first, width));
            if (last != first) {
                s.append('-').append(pad(last, width));
            }
        }
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String pad(long n, int width) {
        String digits = Long.toString(n);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    // ------------------------------------------------------------------ parsing

    /** The items between top-level commas, brackets checked for balance. */
    private static List<String> items(String text) {
        List<String> items = new ArrayList<>();
        int start = 0;
        boolean inside = false;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == '[') {
                if (inside) {
                    throw error(text, "[ inside [ at position " + (i + 1) + "; brackets do not nest");
                }
                inside = true;
            } else if (c == ']') {
                if (!inside) {
                    throw error(text, "] without [ at position " + (i + 1));
                }
                inside = false;
            } else if (c == ',' && !inside) {
                if (i == start) {
                    throw error(text, "empty item" + (i == 0 ? " at the start" : i == text.length() ? " at the end"
                            : " at position " + (i + 1)) + "; items are separated by single commas");
                }
                items.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (inside) {
            throw error(text, "[ without ]");
        }
        return items;
    }

    /** An item as literal text (String) and bracket groups (List of the numbers as written). */
    private static List<Object> parts(String text, String item) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < item.length()) {
            int open = item.indexOf('[', i);
            String literal = item.substring(i, open < 0 ? item.length() : open);
            for (int k = 0; k < literal.length(); k++) {
                char c = literal.charAt(k);
                if (!Character.isLetterOrDigit(c) && ".-_:!/".indexOf(c) < 0) {
                    throw error(text, "bad character " + (Character.isWhitespace(c) || Character.isISOControl(c)
                            ? String.format("U+%04X", (int) c) : "'" + c + "'")
                            + "; names are letters, digits and . - _ (addresses also : ! /)");
                }
            }
            if (!literal.isEmpty()) {
                parts.add(literal);
            }
            if (open < 0) {
                break;
            }
            int close = item.indexOf(']', open);
            parts.add(group(text, item.substring(open + 1, close)));
            i = close + 1;
        }
        return parts;
    }

    /** The numbers of one bracket, as written: {@code 01-03,7} → 01 02 03 7. */
    private static List<String> group(String text, String inside) {
        if (inside.isEmpty()) {
            throw error(text, "empty brackets []");
        }
        List<String> numbers = new ArrayList<>();
        for (String range : inside.split(",", -1)) {
            if (range.isEmpty()) {
                throw error(text, "empty range in [" + inside + "]");
            }
            int dash = range.indexOf('-');
            String lo = dash < 0 ? range : range.substring(0, dash);
            String hi = dash < 0 ? range : range.substring(dash + 1);
            if (!number(lo) || !number(hi)) {
                throw error(text, "\"" + range + "\" in [" + inside + "] is not a number or a range N-M");
            }
            if (lo.length() > MAX_DIGITS || hi.length() > MAX_DIGITS) {
                throw error(text, "\"" + range + "\": numbers of more than " + MAX_DIGITS + " digits");
            }
            long from = Long.parseLong(lo);
            long to = Long.parseLong(hi);
            if (to < from) {
                throw error(text, "range " + range + " runs backwards");
            }
            if (to - from >= MAX_NAMES || numbers.size() + (to - from) >= MAX_NAMES) {
                throw error(text, "range " + range + ": more than " + MAX_NAMES + " names");
            }
            for (long n = from; n <= to; n++) {
                numbers.add(pad(n, lo.length()));
            }
        }
        return numbers;
    }

    private static boolean number(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> digit((char) c));
    }

    private static void multiply(List<Object> parts, int at, StringBuilder prefix, List<String> out) {
        if (at == parts.size()) {
            out.add(prefix.toString());
            return;
        }
        int mark = prefix.length();
        if (parts.get(at) instanceof String literal) {
            multiply(parts, at + 1, prefix.append(literal), out);
        } else {
            for (Object n : (List<?>) parts.get(at)) {
                multiply(parts, at + 1, prefix.append(n), out);
                prefix.setLength(mark);
            }
        }
        prefix.setLength(mark);
    }

    private static IllegalArgumentException error(String text, String problem) {
        return new IllegalArgumentException("hostlist \"" + text + "\": " + problem);
    }
}
