package org.taskfs.task;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.taskfs.styx.server.StyxException;

/**
 * A {@code res N [OS [ARCH]] [nodes=HOSTLIST] [exclude=HOSTLIST]} command: how many tasks, of which kind
 * ({@code *} for any), and, on a coordinator, which of its members may take them. The hostlists are kept as
 * written: only a coordinator knows its members' names, so it alone reads them.
 *
 * @param nodes   only members named here, or null for any
 * @param exclude no member named here, or null for none
 * @param waitFor how long it may wait for slots ({@code wait=SECONDS}; zero: not at all), or null for the
 *                server's default
 */
public record ResCommand(int count, String os, String arch, String nodes, String exclude, Duration waitFor) {
    public static final String USAGE = "res N [OS [ARCH]] [nodes=HOSTLIST] [exclude=HOSTLIST] [wait=SECONDS]";
    /** Most words after the verb: N, OS, ARCH, nodes=, exclude=, wait=. */
    public static final int MAX_ARGS = 6;

    /** {@code res N} of any kind on any member, as an {@code exec} without a {@code res} asks. */
    public static ResCommand any(int count) {
        return new ResCommand(count, "*", "*", null, null, null);
    }

    /** Whether it names members to choose among (or to avoid). */
    public boolean choosesMembers() {
        return nodes != null || exclude != null;
    }

    public static ResCommand parse(CtlRequest c) {
        int n = c.intArg(0, "count");
        if (n < 1) {
            throw new StyxException("res: asked for 0 tasks; ask for 1 or more");
        }
        List<String> kind = new ArrayList<>();
        String nodes = null;
        String exclude = null;
        Duration wait = null;
        for (String word : c.args().subList(1, c.args().size())) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                if (kind.size() == 2) {
                    throw c.wrongArgs();
                }
                if (nodes != null || exclude != null) {
                    throw new StyxException("res: \"" + word + "\" after nodes= or exclude=; expected " + USAGE);
                }
                kind.add(word);
                continue;
            }
            String key = word.substring(0, eq);
            String value = word.substring(eq + 1);
            if (key.equals("wait")) {
                wait = waitWord(word);
                continue;
            }
            if (!key.equals("nodes") && !key.equals("exclude")) {
                throw new StyxException("res: unknown word \"" + word + "\"; expected " + USAGE);
            }
            if (value.isEmpty()) {
                throw new StyxException("res: " + key + "= names no members; expected " + key + "=HOSTLIST");
            }
            if (key.equals("nodes") ? nodes != null : exclude != null) {
                throw new StyxException("res: " + key + "= given twice; give one hostlist (n1,n[3-5])");
            }
            if (key.equals("nodes")) {
                nodes = value;
            } else {
                exclude = value;
            }
        }
        return new ResCommand(n, kind.size() > 0 ? kind.get(0) : "*", kind.size() > 1 ? kind.get(1) : "*",
                nodes, exclude, wait);
    }

    private static Duration waitWord(String word) {
        try {
            BigDecimal s = new BigDecimal(word.substring(5));
            if (s.signum() >= 0) {
                return Duration.ofMillis(s.movePointRight(3).longValueExact());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // reported below
        }
        throw new StyxException("res: bad wait \"" + word + "\"; expected wait=SECONDS, 0 or more (0: do not wait)");
    }
}
