package org.taskfs.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the drivers put what they measure. Each value is printed as a line {@code SAMPLE key value}
 * (and facts about the run as {@code META key value}) so that bench/run can mix them with the
 * figures it times itself in bash before {@link Report} turns the lot into a table. Also kept in
 * memory, for the tests.
 */
public final class Samples {
    private final PrintStream out;
    private final Map<String, List<Double>> values = new LinkedHashMap<>();
    private final Map<String, String> meta = new LinkedHashMap<>();

    public Samples(PrintStream out) {
        this.out = out;
    }

    /** Keeps values in memory only. */
    public static Samples inMemory() {
        return new Samples(null);
    }

    public synchronized void add(String key, double value) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        if (out != null) {
            out.println("SAMPLE " + key + " " + String.format(Locale.ROOT, "%.6f", value));
            out.flush();
        }
    }

    public synchronized void meta(String key, String value) {
        meta.put(key, value);
        if (out != null) {
            out.println("META " + key + " " + value);
            out.flush();
        }
    }

    public synchronized List<Double> get(String key) {
        return List.copyOf(values.getOrDefault(key, List.of()));
    }

    public synchronized Map<String, List<Double>> all() {
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    public synchronized Map<String, String> meta() {
        return Map.copyOf(meta);
    }

    /** Parses the lines bench/run gathered: {@code SAMPLE key value} and {@code META key value…}; others are ignored. */
    public static Samples parse(List<String> lines) {
        Samples s = inMemory();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+", 3);
            if (f.length == 3 && f[0].equals("SAMPLE")) {
                try {
                    s.add(f[1], Double.parseDouble(f[2]));
                } catch (NumberFormatException e) {
                    // a peer that printed junk is reported as missing rather than stopping the table
                }
            } else if (f.length >= 2 && f[0].equals("META")) {
                s.meta(f[1], f.length == 3 ? f[2] : "");
            }
        }
        return s;
    }
}
