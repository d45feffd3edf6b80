package org.taskfs.styx.auth;

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

/**
 * The real machine for identity tests: test users (names start with {@code tfa}, created with useradd
 * once and reused), running a small Java main as one of them with runuser, and a classpath they can read.
 */
final class Host {
    private Host() {}

    static final String GROUP = "tfagrp";

    static void assumeRoot() {
        assumeTrue(Users.selfUid() == 0, "needs root: creates users and runs processes as them");
    }

    /** The output and exit code of a finished command. */
    record Run(int exit, String out) {}

    static Run run(List<String> cmd) {
        return run(cmd, null);
    }

    static Run run(List<String> cmd, String umaskShell) {
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
    static synchronized void ensureGroup() {
        if (run(List.of("getent", "group", GROUP)).exit() != 0) {
            Run r = run(List.of("groupadd", GROUP));
            if (r.exit() != 0 && r.exit() != 9) { // 9: made meanwhile
                throw new IllegalStateException("groupadd " + GROUP + ": " + r.out());
            }
        }
    }

    /** A test user in {@link #GROUP}; returns its uid. Idempotent. */
    static synchronized int ensureUser(String name) {
        if (!name.startsWith("tfa")) {
            throw new IllegalArgumentException("test users start with tfa: " + name);
        }
        ensureGroup();
        Run id = run(List.of("id", "-u", name));
        if (id.exit() != 0) {
            Run r = run(List.of("useradd", "-M", "-N", "-G", GROUP, "-s", "/usr/sbin/nologin", name));
            if (r.exit() != 0 && r.exit() != 9) {
                throw new IllegalStateException("useradd " + name + ": " + r.out());
            }
            id = run(List.of("id", "-u", name));
        } else if (!run(List.of("id", "-nG", name)).out().contains(GROUP)) {
            run(List.of("usermod", "-a", "-G", GROUP, name));
        }
        return Integer.parseInt(id.out().strip());
    }

    private static List<String> classpath;

    /**
     * This JVM's classpath copied where any user can read it: /root's Maven repository is not
     * readable by the test users. Copied once per test JVM.
     */
    static synchronized List<String> worldReadableClasspath() {
        if (classpath != null) {
            return classpath;
        }
        try {
            Path dir = Files.createTempDirectory("tfa-cp");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> entries = new ArrayList<>();
            int i = 0;
            for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
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

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Runs {@code main} of the test classpath as {@code user} (runuser: uid, gid and groups of the user). */
    static Run runAs(String user, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--", java(), "-cp",
                String.join(java.io.File.pathSeparator, worldReadableClasspath()), main.getName()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Makes {@code dir} and its parents up to /tmp traversable by others (JUnit's @TempDir is 0700). */
    static void openForOthers(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null && !p.toString().equals("/tmp") && p.getNameCount() > 0; p = p.getParent()) {
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
