package org.taskfs.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.task.Capacity;
import org.taskfs.task.SessionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code taskfs ps} and {@code taskfs top}: the sessions a user may see (an administrator: all), from one read
 * of the root {@code sessions}; top adds the census and the pool, and redraws.
 */
final class PsCommand {
    private PsCommand() {}

    @Command(name = "ps", mixinStandardHelpOptions = true,
            description = "List the sessions you may see (an administrator: every one) with their owner, age, "
                    + "tasks by state and what holds them.")
    static final class Ps implements Callable<Integer> {
        @Mixin
        ClientCommands.Server server;

        @Mixin
        AuthOption auth;

        @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Only the sessions of this user.")
        String user;

        @Override
        public Integer call() throws Exception {
            try (StyxClient c = server.connect(auth)) {
                System.out.print(table(sessions(c.readString("/sessions").get(), user)));
            }
            return 0;
        }
    }

    @Command(name = "top", mixinStandardHelpOptions = true,
            description = "The census, the pool and the sessions (as ps), redrawn every few seconds on a terminal "
                    + "until Ctrl-C; when output is not a terminal, frames follow one another.")
    static final class Top implements Callable<Integer> {
        @Mixin
        ClientCommands.Server server;

        @Mixin
        AuthOption auth;

        @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Only the sessions of this user.")
        String user;

        @Option(names = "-d", paramLabel = "SECONDS", defaultValue = "1", converter = PoolOptions.Seconds.class,
                description = "Seconds between frames; decimals work (default: ${DEFAULT-VALUE}).")
        Duration delay;

        @Option(names = "-n", paramLabel = "ITERATIONS", defaultValue = "0",
                description = "Print this many frames, then exit (default: until Ctrl-C).")
        int iterations;

        @Override
        public Integer call() throws Exception {
            if (iterations < 0) {
                throw new IllegalArgumentException("-n " + iterations + ": give a number of frames, 1 or more "
                        + "(or leave it out to run until Ctrl-C)");
            }
            // On a terminal, redraw; else append plain frames.
            boolean terminal = Terminal.isStdout();
            PrintStream out = System.out;
            try (StyxClient c = server.connect(auth)) {
                for (int i = 0; iterations == 0 || i < iterations; i++) {
                    if (i > 0) {
                        Thread.sleep(delay.toMillis()); // the refresh period itself, not a wait for anything
                    }
                    String frame = frame(c);
                    out.print(terminal ? CLEAR + frame : (i > 0 ? "\n" : "") + frame);
                    out.flush();
                }
            }
            return 0;
        }

        /** One screen: the three root files read together, then laid out. */
        private String frame(StyxClient c) throws Exception {
            CompletableFuture<String> census = c.readString("/status");
            CompletableFuture<String> pool = c.readString("/ns");
            CompletableFuture<String> sessions = c.readString("/sessions");
            StringBuilder b = new StringBuilder();
            b.append("taskfs top  ").append(c.address()).append("  ")
                    .append(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)))
                    .append('\n');
            List<String[]> kinds = new ArrayList<>();
            kinds.add(new String[] {"SLOTS", "OS", "ARCH"});
            for (String line : census.get().split("\n")) {
                if (!line.isBlank()) {
                    kinds.add(line.trim().split("\\s+"));
                }
            }
            b.append(columns(kinds)).append('\n');
            List<String[]> members = new ArrayList<>();
            members.add(new String[] {"NODE", "STATE", "BUSY", "SLOTS", "ADDR"});
            for (Capacity m : Capacity.parse(pool.get())) {
                members.add(new String[] {m.name(), m.state().name().toLowerCase(Locale.ROOT),
                    Integer.toString(m.busy()), Integer.toString(m.slots()), m.address()});
            }
            b.append(columns(members)).append('\n');
            // The reservations waiting for the pool, in the order they will be served.
            List<String[]> queue = new ArrayList<>();
            queue.add(new String[] {"WAITING", "SESSION", "USER", "SLOTS", "OS", "ARCH", "SINCE"});
            for (String line : pool.get().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 7 && f[0].equals("pending")) {
                    queue.add(new String[] {Integer.toString(queue.size()), f[1], f[2], f[3], f[4], f[5],
                        f[6].replaceFirst("^since=", "")});
                }
            }
            if (queue.size() > 1) {
                b.append(columns(queue)).append('\n');
            }
            b.append(table(sessions(sessions.get(), user)));
            return b.toString();
        }
    }

    /** Cursor home, then erase the screen: each frame replaces the last. */
    static final String CLEAR = "\033[H\033[2J";

    static List<SessionInfo> sessions(String text, String user) {
        List<SessionInfo> all = SessionInfo.parse(text);
        return user == null ? all : all.stream().filter(s -> s.owner().equals(user)).toList();
    }

    /** The ps table, a header and a row per session. */
    static String table(List<SessionInfo> sessions) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SESSION", "USER", "AGE", "TASKS", "RUN", "DONE", "FAIL", "LOST", "HELD", "NODES"});
        for (SessionInfo s : sessions) {
            // A res waiting for slots: TASKS shows what it has and, after a +, what it waits for (Pending).
            rows.add(new String[] {Integer.toString(s.id()), s.owner(), age(s.ageSeconds()),
                s.tasks() + (s.pending() > 0 ? "+" + s.pending() : ""), Integer.toString(s.running()), Integer.toString(s.done()),
                Integer.toString(s.failed()), Integer.toString(s.lost()),
                s.held() == SessionInfo.Held.NO ? "-" : s.held().name().toLowerCase(Locale.ROOT),
                s.nodes().isEmpty() ? "-" : String.join(",", s.nodes())});
        }
        return columns(rows);
    }

    /** Left-aligned columns two spaces apart, the last one unpadded. */
    static String columns(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length && i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(Math.max(0, (i < width.length ? width[i] : 0) - r[i].length()) + 2));
                }
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** ps's age: {@code 45s}, {@code 2m05s}, {@code 1h02m}, {@code 3d04h}. */
    static String age(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        if (seconds < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
    }
}
