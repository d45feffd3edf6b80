package org.taskfs.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.taskfs.styx.auth.AuthMethod;

/** {@code --name value} and bare {@code --flag} options of a driver; every option must be used. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    Args(String[] argv, int from) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + a + "\"; options are --name value");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq > 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                values.put(name, argv[++i]);
            } else {
                values.put(name, "true");
            }
        }
    }

    String string(String name, String dflt) {
        used.add(name);
        return values.getOrDefault(name, dflt);
    }

    int integer(String name, int dflt) {
        String v = string(name, null);
        return v == null ? dflt : Integer.parseInt(v.replace("_", ""));
    }

    long longValue(String name, long dflt) {
        String v = string(name, null);
        return v == null ? dflt : Long.parseLong(v.replace("_", ""));
    }

    double decimal(String name, double dflt) {
        String v = string(name, null);
        return v == null ? dflt : Double.parseDouble(v);
    }

    /** {@code --auth METHOD}, as the taskfs commands take it; $TASKFS_AUTH, else none, by default. */
    AuthMethod auth() {
        String env = System.getenv("TASKFS_AUTH");
        String spec = string("auth", env == null || env.isBlank() ? "none" : env);
        try {
            return AuthMethod.parse(spec.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--auth: " + e.getMessage());
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** Fails on options nobody asked for: a typo must not silently run the default. */
    void checkAllUsed() {
        for (String k : values.keySet()) {
            if (!used.contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k);
            }
        }
    }
}
