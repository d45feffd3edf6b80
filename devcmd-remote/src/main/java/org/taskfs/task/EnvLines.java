package org.taskfs.task;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.taskfs.styx.server.StyxException;

/** The {@code NAME=value} line format of env files. */
public final class EnvLines {
    private EnvLines() {}

    /** Adds the variables of {@code text} to {@code into}; blank lines and {@code #} comments are skipped. */
    public static void parseInto(String text, Map<String, String> into) {
        for (String line : text.split("\n", -1)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new StyxException("env: bad line \"" + l + "\"; expected NAME=value");
            }
            String name = l.substring(0, eq);
            if (name.indexOf('\0') >= 0 || l.indexOf('\0') >= 0 || name.chars().anyMatch(Character::isWhitespace)) {
                throw new StyxException("env: bad variable name \"" + name.replace("\0", "\\0") + "\"");
            }
            into.put(name, l.substring(eq + 1));
        }
    }

    public static String format(Map<String, String> env) {
        StringBuilder b = new StringBuilder();
        env.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    public static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }
}
