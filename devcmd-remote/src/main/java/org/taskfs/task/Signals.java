package org.taskfs.task;

import java.util.Locale;
import java.util.Map;
import org.taskfs.styx.server.StyxException;

/** Signal names and numbers for {@code kill [SIG]} (Linux numbering). */
public final class Signals {
    private Signals() {}

    public static final int SIGTERM = 15;

    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
            Map.entry("TERM", 15), Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20));

    /** Parses {@code TERM}, {@code SIGTERM}, {@code term} or {@code 15}. */
    public static int parse(String s) {
        String n = s.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        Integer byName = BY_NAME.get(n);
        if (byName != null) {
            return byName;
        }
        try {
            int num = Integer.parseInt(n);
            if (num >= 1 && num <= 64) {
                return num;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StyxException("kill: unknown signal \"" + s + "\"; use a name such as TERM, KILL, INT or a number 1..64");
    }
}
