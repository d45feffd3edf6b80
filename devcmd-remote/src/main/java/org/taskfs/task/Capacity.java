package org.taskfs.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * A line of a server's root {@code ns}: one entry of its pool and what it offers,
 * {@code mount ADDR NAME slots=K busy=B state=up|down|draining|unreachable}. A node lists itself (named {@code local}), a
 * coordinator each member; a coordinator that mounts either reads the same lines and sums what is up.
 * Busy counts tasks reserved and not finished: a reserved task holds its slot until its run ends. A drained
 * member may add {@code reason='…'} (Plan 9 quoted), and a reader ignores any other {@code key=value} after state.
 *
 * @param reason why it was drained, or null
 */
public record Capacity(String address, String name, int slots, int busy, State state, String reason) {

    /** UNREACHABLE: connected but silent; its tasks keep their state until it answers or is declared down. */
    public enum State { UP, DOWN, DRAINING, UNREACHABLE }

    public Capacity {
        if (reason != null && reason.isEmpty()) {
            reason = null;
        }
    }

    public Capacity(String address, String name, int slots, int busy, State state) {
        this(address, name, slots, busy, state, null);
    }

    public String line() {
        return "mount " + address + " " + name + " slots=" + slots + " busy=" + busy + " state="
                + state.name().toLowerCase(Locale.ROOT) + (reason == null ? "" : " reason=" + quoted(reason)) + "\n";
    }

    /** Always in quotes, as a wait message is, so that a reader sees where the words end. */
    private static String quoted(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Free slots of an entry that is up. */
    public int free() {
        return state == State.UP ? Math.max(0, slots - busy) : 0;
    }

    /**
     * Parses the entries of a root {@code ns}, skipping the {@code pending} lines of reservations waiting for them;
     * any other line that is not a capacity line is an error naming it.
     */
    public static List<Capacity> parse(String text) {
        List<Capacity> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            // A reservation waiting for the pool ({@code pending …}, after the entries) is not an entry of it.
            if (line.isBlank() || line.startsWith("pending ")) {
                continue;
            }
            String[] f = line.trim().split("\\s+", 7);
            if (f.length < 6 || !f[0].equals("mount")) {
                throw bad(line);
            }
            int slots = number(f[3], "slots=", line);
            int busy = number(f[4], "busy=", line);
            if (!f[5].startsWith("state=")) {
                throw bad(line);
            }
            State state;
            try {
                state = State.valueOf(f[5].substring(6).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(line);
            }
            String reason = null;
            if (f.length == 7) {
                for (String word : PlanNineQuoting.tokenize(f[6])) {
                    int eq = word.indexOf('=');
                    if (eq <= 0) {
                        throw bad(line);
                    }
                    if (word.startsWith("reason=")) {
                        reason = word.substring("reason=".length());
                    }
                }
            }
            out.add(new Capacity(f[1], f[2], slots, busy, state, reason));
        }
        return out;
    }

    /** Sums what the entries that are up offer: slots and busy. */
    public static Capacity total(String address, String name, List<Capacity> entries) {
        int slots = 0;
        int busy = 0;
        for (Capacity c : entries) {
            if (c.state == State.UP) {
                slots += c.slots;
                busy += c.busy;
            }
        }
        return new Capacity(address, name, slots, busy, State.UP);
    }

    private static int number(String field, String key, String line) {
        if (!field.startsWith(key)) {
            throw bad(line);
        }
        try {
            int n = Integer.parseInt(field.substring(key.length()));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(line);
    }

    private static StyxException bad(String line) {
        return new StyxException("ns: not a capacity line: \"" + line
                + "\"; expected mount ADDR NAME slots=K busy=B state=up|down|draining|unreachable");
    }
}
