package org.taskfs.styx.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.taskfs.styx.auth.Users;

/**
 * The real machine for identity tests, in every module: test users (names start with {@code tf}, created with
 * useradd once and reused, all in {@link #GROUP}), running a Java main as one of them with runuser, and a
 * classpath they can read.
 */
public final class Host {
    private Host() {}

    public static final String GROUP = "tfagrp";

    public static void assumeRoot() {
        assumeTrue(Users.selfUid() == 0, "needs root: creates users and runs processes as them");
    }

    /** The output and exit code of a finished command. */
    public record Run(int exit, String out) {}

    public static Run run(List<String> cmd) {
        return run(cmd, null);
    }

    public static Run run(List<String> cmd, String umaskShell) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            return new Run(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The group all test users are in (for 0660 sockets), made if missing. */
    public static void ensureGroup() {
        ensureGroup(GROUP);
    }

    public static synchronized void ensureGroup(String group) {
        if (run(List.of("getent", "group", group)).exit() != 0) {
            Run r = run(List.of("groupadd", group));
            if (r.exit() != 0 && r.exit() != 9) { // 9: made meanwhile
                throw new IllegalStateException("groupadd " + group + ": " + r.out());
            }
        }
    }

    /** A test user in {@link #GROUP} and in {@code groups} (made if missing); returns its uid. Idempotent. */
    public static synchronized int ensureUser(String name, String... groups) {
        if (!name.startsWith("tf")) {
            throw new IllegalArgumentException("test users start with tf: " + name);
        }
        List<String> all = new ArrayList<>(List.of(GROUP));
        all.addAll(List.of(groups));
        all.forEach(Host::ensureGroup);
        Run id = run(List.of("id", "-u", name));
        if (id.exit() != 0) {
            Run r = run(List.of("useradd", "-M", "-N", "-G", String.join(",", all), "-s", "/bin/sh", name));
            if (r.exit() != 0 && r.exit() != 9) {
                throw new IllegalStateException("useradd " + name + ": " + r.out());
            }
            id = run(List.of("id", "-u", name));
        } else {
            List<String> has = List.of(run(List.of("id", "-nG", name)).out().strip().split("\\s+"));
            for (String g : all) {
                if (!has.contains(g)) {
                    run(List.of("usermod", "-a", "-G", g, name));
                }
            }
        }
        return Integer.parseInt(id.out().strip());
    }

    /** The home directory the name service gives {@code user} (it need not exist). */
    public static String home(String user) {
        return run(List.of("getent", "passwd", user)).out().split(":")[5];
    }

    private static List<String> classpath;

    /**
     * This JVM's classpath copied where any user can read it: /root's Maven repository is not
     * readable by the test users. Copied once per test JVM.
     */
    public static synchronized List<String> worldReadableClasspath() {
        if (classpath != null) {
            return classpath;
        }
        try {
            Path dir = Files.createTempDirectory("tfa-cp");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> entries = new ArrayList<>();
            int i = 0;
            String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            for (String e : path.split(java.io.File.pathSeparator)) {
                Path src = Path.of(e);
                if (!Files.exists(src)) {
                    continue;
                }
                Path dst = dir.resolve((i++) + "-" + src.getFileName());
                copy(src, dst);
                entries.add(dst.toString());
            }
            run(List.of("chmod", "-R", "a+rX", dir.toString()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> run(List.of("rm", "-rf", dir.toString()))));
            classpath = entries;
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path src, Path dst) throws IOException {
        if (Files.isDirectory(src)) {
            Run r = run(List.of("cp", "-r", src.toString(), dst.toString()));
            if (r.exit() != 0) {
                throw new IOException("cp -r " + src + ": " + r.out());
            }
        } else {
            Files.copy(src, dst);
        }
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Runs {@code main} of the test classpath as {@code user} (runuser: uid, gid and groups of the user). */
    public static Run runAs(String user, Class<?> main, String... args) {
        return run(javaAs(user, main.getName(), args).command());
    }

    /**
     * Kills {@code p} and what it started: runuser runs the command as its child, and killing runuser alone
     * would leave that running.
     */
    public static void killTree(Process p) throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
        for (ProcessHandle h : tree) {
            h.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /** The command line running {@code main} of the test classpath as {@code user}, to start and watch. */
    public static ProcessBuilder javaAs(String user, String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--", java(), "-cp",
                String.join(java.io.File.pathSeparator, worldReadableClasspath()), main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Makes {@code dir} and its parents up to /tmp traversable by others (JUnit's @TempDir is 0700). */
    public static void openForOthers(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null && !p.toString().equals("/tmp") && p.getNameCount() > 0; p = p.getParent()) {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
