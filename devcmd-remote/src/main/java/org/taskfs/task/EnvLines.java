package org.taskfs.task;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * {@link #format} in line-aligned pieces of at most {@code max} UTF-8 bytes each (a longer line alone), so
     * an environment built from many writes can be forwarded to another server, one write per piece.
     */
    public static List<String> pieces(Map<String, String> env, int max) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            String line = e.getKey() + "=" + e.getValue() + "\n";
            int n = line.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > 0 && bytes + n > max) {
                out.add(b.toString());
                b.setLength(0);
                bytes = 0;
            }
            b.append(line);
            bytes += n;
        }
        if (bytes > 0) {
            out.add(b.toString());
        }
        return out;
    }

    /** One write to an env or args file, as text; longer than a ctl command it could not be forwarded. */
    public static String text(String file, byte[] data) {
        CtlRequest.checkLength(file + " write", data.length);
        return new String(data, StandardCharsets.UTF_8);
    }
}
