package org.taskfs.bench;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the samples of one bench/run into the Markdown table of the README: per line the taskfs
 * figure, a peer's figure, each as median (spread; runs), the taskfs/peer ratio, and the DESIGN §9
 * goal where one applies. Every line is printed even when a figure is missing, saying why.
 */
public final class Report {
    private Report() {}

    /** A goal tested on the taskfs statistic and, for relative goals, the peer's. */
    interface Goal {
        String text();

        /** null when it cannot be judged (a figure is missing). */
        Boolean met(Double taskfs, Double peer);
    }

    static Goal atMost(double limit, String text) {
        return goal(text, (t, p) -> t == null ? null : t <= limit);
    }

    static Goal atLeast(double limit, String text) {
        return goal(text, (t, p) -> t == null ? null : t >= limit);
    }

    static Goal ratioAtMost(double r, String text) {
        return goal(text, (t, p) -> t == null || p == null ? null : t <= r * p);
    }

    static Goal ratioAtLeast(double r, String text) {
        return goal(text, (t, p) -> t == null || p == null ? null : t >= r * p);
    }

    private static Goal goal(String text, java.util.function.BiFunction<Double, Double, Boolean> test) {
        return new Goal() {
            public String text() {
                return text;
            }

            public Boolean met(Double t, Double p) {
                return test.apply(t, p);
            }
        };
    }

    /** One table line: a taskfs figure against one peer (or none). */
    record Line(String row, String what, String key, String stat, String unit, String peer, String peerKey, Goal goal) {}

    static List<Line> lines(Map<String, String> meta) {
        List<Line> l = new ArrayList<>();
        String launch = "`clone → res 4 → exec hostname → read stdio`, warm coordinator, 4 local nodes";
        for (String stat : new String[] {"p50", "p99"}) {
            String row = "1 launch " + stat;
            Goal g = stat.equals("p50") ? atMost(10, "p50 ≤ 10 ms") : atMost(50, "p99 ≤ 50 ms (anchors §6)");
            l.add(new Line(row, launch, "launch.taskfs", stat, "ms", "`pdsh -R exec -w n[1-4] hostname`", "launch.pdsh", g));
            l.add(new Line(row, launch, "launch.taskfs", stat, "ms", "`clush -R exec -w n[1-4] hostname`", "launch.clush", null));
            l.add(new Line(row, launch, "launch.taskfs", stat, "ms", "`parallel -j4 -n0 hostname ::: 1 2 3 4`", "launch.parallel", null));
        }
        for (int n : new int[] {64, 256}) {
            String row = "2 fan-out " + n;
            String what = n + " × `true` in one session (`res " + n + "`, `exec true`, read `wait`), 4 nodes";
            String k = "fanout" + n;
            l.add(new Line(row, what, k + ".taskfs", "p50", "ms", "`xargs -P " + n + " -n1 true`", k + ".xargs",
                    n == 64 ? ratioAtMost(1.2, "≤ 1.2 × xargs") : null));
            l.add(new Line(row, what, k + ".taskfs", "p50", "ms", "`parallel -j " + n + " -n0 true ::: 1 … " + n + "`", k + ".parallel", null));
            l.add(new Line(row, what, k + ".taskfs", "p50", "ms", "`pdsh -R exec -f " + n + " -w n[1-" + n + "] true`",
                    k + ".pdsh", null));
        }
        String cli = "`taskfs run -n 64 -- true`, JVM start included";
        l.add(new Line("2 CLI run 64", cli, "cli64.taskfs", "p50", "ms", "`pdsh -R exec -f 64 -w n[1-64] true`",
                "fanout64.pdsh", ratioAtMost(1.0, "≤ pdsh")));
        l.add(new Line("2 CLI run 64", cli, "cli64.taskfs", "p50", "ms", "`xargs -P 64 -n1 true`", "fanout64.xargs", null));
        l.add(new Line("2 CLI cat clone", "`taskfs cat clone`, JVM start included", "clicat.taskfs", "p50", "ms",
                "`pdsh -R exec -w n1 true`", "clicat.pdsh", atMost(150, "≤ 150 ms")));
        String shape = meta.getOrDefault("rate.shape", "concurrent clients");
        l.add(new Line("3 sustained", "tasks/s, `exec true` in a loop of sessions (" + shape + ")", "rate.taskfs",
                "p50", "tasks/s", "raw spawn rate: `xargs -P " + meta.getOrDefault("rate.xargsP", "16") + " -n1 true`",
                "rate.xargs", ratioAtLeast(0.9, "≥ 90% of raw spawn rate")));
        String size = bytes(meta.get("stream.bytes"));
        for (String[] p : new String[][] {
                {"stream.coord", "session `stdout` through the coordinator (9P client)"},
                {"stream.node", "the task's `stdout` read from its node directly (9P client)"}}) {
            String what = "a task writes " + size + " (`head -c`), read to EOF: " + p[1];
            l.add(new Line("4 streaming", what, p[0], "p50", "MB/s", "diod + `diodcat` (msize 64 KiB), file on tmpfs",
                    "stream.diod", ratioAtLeast(1.0, "≥ diod")));
            l.add(new Line("4 streaming", what, p[0], "p50", "MB/s", "raw loopback TCP, Java socket pair", "stream.javasock", null));
            l.add(new Line("4 streaming", what, p[0], "p50", "MB/s", "raw loopback TCP, `head -c` piped into `socat`", "stream.socat", null));
        }
        l.add(new Line("4 streaming", "the same through the FUSE mount: `cat mnt/N/stdout > /dev/null` (as `dd bs=128k`, counting bytes)", "stream.fuse",
                "p50", "MB/s", "the 9P client, session `stdout` (above)", "stream.coord", ratioAtLeast(0.5, "≥ ½ of 9P")));
        // Linux's v9fs in an emulated guest: slow in absolute terms, so only the comparison with diod is shown.
        String guest = meta.getOrDefault("stream.kernel.guest", "QEMU guest");
        String diodKernel = "diod, the same kernel in the same guest: `dd bs=1M` of a " + size + " file on tmpfs (msize "
                + bytes(meta.getOrDefault("stream.kernel.diod.msize", "65536")) + ")";
        for (String[] k : new String[][] {{"stream.kernel", "131072"}, {"stream.kernel.1m", "1048576"}}) {
            String what = "the same read by the Linux kernel's 9P client (v9fs, 9P2000.L, msize "
                    + bytes(meta.getOrDefault(k[0] + ".msize", k[1])) + "; " + guest
                    + "): `dd bs=1M` of session `stdout` through a mount of the coordinator";
            l.add(new Line("4 streaming", what, k[0], "p50", "MB/s", diodKernel, "stream.kernel.diod", null));
        }
        String depth = meta.getOrDefault("rpc.depth", "16");
        for (int conns : new int[] {1, 8}) {
            Goal g = conns == 1 ? atLeast(35_000, "≥ 35k/s on 1 connection") : atLeast(50_000, "≥ 50k/s on 8");
            for (String mode : new String[] {"seq", "pipe"}) {
                String k = "rpc." + mode + conns;
                String what = "Tstat on a walked fid, StyxServer + RamFs, " + conns + " connection" + (conns == 1 ? "" : "s")
                        + ", " + (mode.equals("seq") ? "sequential" : depth + " in flight each");
                l.add(new Line("5 small RPC", what, k + ".taskfs", "p50", "RPC/s",
                        "raw Java socket echo, same sizes and shape", k + ".echo", g));
                if (mode.equals("seq")) {
                    l.add(new Line("5 small RPC", what, k + ".taskfs", "p50", "RPC/s",
                            "diod, `diodload -g -n " + conns + "` (Tgetattr, " + conns + " thread" + (conns == 1 ? ")" : "s)"),
                            "rpc.diod" + conns, null));
                }
            }
        }
        String sessions = meta.getOrDefault("heap.sessions", "10000");
        l.add(new Line("6 idle sessions", "heap for 10,000 idle sessions (MemoryMXBean after GC"
                + (sessions.equals("10000") ? "" : "; measured on " + sessions + ", scaled") + ")",
                "heap.taskfs", "p50", "MB", null, null, atMost(100, "≤ 100 MB")));
        String tasks = meta.getOrDefault("scale.tasks", "4096");
        String scaleShape = meta.getOrDefault("scale.shape", "256 nodes");
        String pdsh = "`pdsh -R exec -f 256 -w n[1-" + tasks + "] true`";
        for (String[] sh : new String[][] {
                {"scale.flat", "a coordinator over " + scaleShape},
                {"scale.tree", "a three-level tree: a coordinator over the coordinators of the node JVMs, each over its nodes"}}) {
            String what = "`res " + tasks + "`, `exec true`, read `wait` to EOF: " + sh[1];
            l.add(new Line("7 scale", what, sh[0] + ".taskfs", "p50", "ms", pdsh, "scale.pdsh", ratioAtMost(1.0, "≤ pdsh -f 256")));
            l.add(new Line("7 scale", what + "; the top coordinator's heap with the session open (after GC, above idle)",
                    sh[0] + ".heap", "p50", "MB", null, null, null));
            l.add(new Line("7 scale", what + "; the top coordinator's JVM threads, peak during the run", sh[0] + ".threads",
                    "p50", "threads", null, null, null));
        }
        return l;
    }

    static String bytes(String n) {
        if (n == null) {
            return "?";
        }
        long b = Long.parseLong(n);
        if (b % (1L << 30) == 0) {
            return (b >> 30) + " GiB";
        }
        if (b % (1L << 20) == 0) {
            return (b >> 20) + " MiB";
        }
        if (b % (1L << 10) == 0) {
            return (b >> 10) + " KiB";
        }
        return b + " bytes";
    }

    /** The whole report: the main table, then where the time of a session run goes. */
    public static String render(Samples s) {
        Map<String, List<Double>> all = s.all();
        Map<String, String> meta = s.meta();
        StringBuilder b = new StringBuilder();
        b.append("| row | what | taskfs | peer | peer figure | taskfs/peer | goal (DESIGN §9) |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        String lastWhat = null;
        String lastRow = null;
        for (Line line : lines(meta)) {
            List<Double> t = all.get(line.key());
            List<Double> p = line.peerKey() == null ? null : all.get(line.peerKey());
            Stats ts = t == null || t.isEmpty() ? null : Stats.of(t);
            Stats ps = p == null || p.isEmpty() ? null : Stats.of(p);
            Double tv = ts == null ? null : ts.pick(line.stat());
            Double pv = ps == null ? null : ps.pick(line.stat());
            boolean first = !line.what().equals(lastWhat) || !line.row().equals(lastRow);
            lastRow = line.row();
            lastWhat = line.what();
            b.append("| ").append(first ? line.row() : "").append(" | ").append(first ? line.what() : "〃")
                    .append(" | ").append(cell(ts, line, line.key(), meta))
                    .append(" | ").append(line.peer() == null ? "—" : line.peer())
                    .append(" | ").append(line.peer() == null ? "—" : cell(ps, line, line.peerKey(), meta))
                    .append(" | ").append(tv != null && pv != null && pv != 0 ? fmt(tv / pv) + "×" : "—")
                    .append(" | ").append(goal(line, tv, pv)).append(" |\n");
        }
        b.append('\n');
        List<String[]> rows = new ArrayList<>();
        for (String[] r : new String[][] {{"launch", "1 launch (4 × hostname)", "stdio"},
                {"fanout64", "2 fan-out 64 × true", "wait"}, {"fanout256", "2 fan-out 256 × true", "wait"}}) {
            if (all.containsKey(r[0] + ".phase.clone")) {
                rows.add(r);
            }
        }
        if (!rows.isEmpty()) {
            b.append("Where a session run's time goes, per step (ms, p50 / p90):\n\n");
            b.append("| row | open `clone`, read N | write `res N` | write `exec …` (returns once all started) | read `stdio` or `wait` to EOF |\n");
            b.append("|---|---|---|---|---|\n");
            for (String[] r : rows) {
                b.append("| ").append(r[1]);
                for (String step : new String[] {"clone", "res", "exec", "read"}) {
                    Stats st = Stats.of(all.get(r[0] + ".phase." + step));
                    b.append(" | ").append(fmt(st.median())).append(" / ").append(fmt(st.p90()));
                }
                b.append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String goal(Line line, Double tv, Double pv) {
        if (line.goal() == null) {
            return "";
        }
        Boolean met = line.goal().met(tv, pv);
        String verdict = met == null ? "not judged" : met ? "met" : "**missed**";
        return line.goal().text() + ": " + verdict;
    }

    static String cell(Stats st, Line line, String key, Map<String, String> meta) {
        if (st == null) {
            String why = meta.get("na." + key);
            return why != null ? "n/a (" + why + ")" : "missing";
        }
        String v = fmt(st.pick(line.stat())) + " " + line.unit();
        String spread;
        if (line.stat().equals("p99")) {
            spread = "max " + fmt(st.max());
        } else if (st.n() >= 10) {
            spread = "p10–p90 " + fmt(st.p10()) + "–" + fmt(st.p90());
        } else if (st.n() > 1) {
            spread = fmt(st.min()) + "–" + fmt(st.max());
        } else {
            spread = null;
        }
        return v + " (" + (spread == null ? "" : spread + "; ") + "n=" + st.n() + ")";
    }

    static String fmt(double v) {
        // Decide the precision on the value as it will be shown, so 9.996 prints as 10.0, not 10.00.
        double a = Math.abs(Math.round(v * 100) / 100.0);
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Rows whose taskfs figure is missing without a stated reason: the harness is broken there. */
    static List<String> missing(Samples s) {
        List<String> out = new ArrayList<>();
        Map<String, List<Double>> all = s.all();
        for (Line l : lines(s.meta())) {
            if (!all.containsKey(l.key()) && !s.meta().containsKey("na." + l.key()) && !out.contains(l.key())) {
                out.add(l.key());
            }
        }
        return out;
    }

    /** {@code Report SAMPLES_FILE [--require-all]}: prints the table; with the flag, fails on missing figures. */
    public static void main(String[] args) throws IOException {
        Samples s = Samples.parse(Files.readAllLines(Path.of(args[0])));
        // UTF-8 whatever the locale: the table has ≤, ×, → in it and goes into a Markdown file.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.print(render(s));
        out.flush();
        if (args.length > 1 && args[1].equals("--require-all")) {
            List<String> miss = missing(s);
            if (!miss.isEmpty()) {
                System.err.println("bench: no taskfs figure for " + miss);
                System.exit(1);
            }
        }
    }
}
