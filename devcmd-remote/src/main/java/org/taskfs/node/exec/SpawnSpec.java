package org.taskfs.node.exec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run and where.
 *
 * @param argv      the command and its arguments; {@code argv.get(0)} is looked up in the {@code PATH} of
 *                  {@code env} unless it contains a slash
 * @param env       the complete environment of the process (not merged with the daemon's; see
 *                  {@link #inheritedEnvironment()})
 * @param dir       working directory, or {@code null} for the daemon's own
 * @param stdoutLog file that becomes the process's fd 1, created (mode 0600) if missing and always appended to
 * @param stderrLog the same for fd 2; may equal {@code stdoutLog} to interleave both streams in one log
 * @param nice      0 to leave the priority alone; 1..19 sets that niceness, anything higher is 19 (devcmd's
 *                  Linux host renices every {@code nice} to 19)
 * @param as        the user to run as, or null for the daemon's own (switching needs a daemon running as root)
 */
public record SpawnSpec(List<String> argv, Map<String, String> env, Path dir, Path stdoutLog, Path stderrLog, int nice,
                        Credentials as) {

    public SpawnSpec(List<String> argv, Map<String, String> env, Path dir, Path stdoutLog, Path stderrLog, int nice) {
        this(argv, env, dir, stdoutLog, stderrLog, nice, null);
    }

    public SpawnSpec {
        Objects.requireNonNull(stdoutLog, "stdoutLog");
        Objects.requireNonNull(stderrLog, "stderrLog");
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argument contains a NUL byte: " + a.replace('\0', '@'));
            }
        }
        Map<String, String> copy = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            Objects.requireNonNull(v, k);
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("bad environment variable: " + k.replace('\0', '@'));
            }
            copy.put(k, v);
        });
        env = Collections.unmodifiableMap(copy);
        if (nice < 0) {
            throw new IllegalArgumentException("negative nice: " + nice);
        }
    }

    /** A spec running {@code argv} with the daemon's environment and niceness. */
    public static SpawnSpec of(List<String> argv, Path dir, Path stdoutLog, Path stderrLog) {
        return new SpawnSpec(argv, inheritedEnvironment(), dir, stdoutLog, stderrLog, 0);
    }

    /** The daemon's own environment, the usual base to which root, session and task variables are added. */
    public static Map<String, String> inheritedEnvironment() {
        return System.getenv();
    }

    /** This spec with {@code vars} added to (or replacing entries of) its environment. */
    public SpawnSpec withEnv(Map<String, String> vars) {
        Map<String, String> merged = new LinkedHashMap<>(env);
        merged.putAll(vars);
        return new SpawnSpec(argv, merged, dir, stdoutLog, stderrLog, nice, as);
    }

    public SpawnSpec inDir(Path d) {
        return new SpawnSpec(argv, env, d, stdoutLog, stderrLog, nice, as);
    }

    public SpawnSpec withNice(int n) {
        return new SpawnSpec(argv, env, dir, stdoutLog, stderrLog, n, as);
    }

    public SpawnSpec runningAs(Credentials user) {
        return new SpawnSpec(argv, env, dir, stdoutLog, stderrLog, nice, user);
    }

    /** The niceness actually applied: devcmd's rule, with 1..19 kept rather than forced to 19. */
    int effectiveNice() {
        return Math.min(nice, 19);
    }
}
