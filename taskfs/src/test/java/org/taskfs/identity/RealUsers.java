package org.taskfs.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Real users of this machine for tests (made with useradd, as root), and Java processes run as them with
 * runuser: the test's own classes, on a class path every user can read (Maven's repository under /root is not).
 */
public final class RealUsers {
    private static Path classpath;

    private RealUsers() {}

    /** Makes {@code user} (with a home) unless it exists, in {@code groups} if given; its uid. */
    public static synchronized int ensure(String user, String... groups) {
        for (String g : groups) {
            if (run("getent", "group", g).isEmpty()) {
                run("groupadd", g);
            }
        }
        if (run("getent", "passwd", user).isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("useradd", "-m", "-s", "/bin/sh"));
            if (groups.length > 0) {
                cmd.add("-G");
                cmd.add(String.join(",", groups));
            }
            cmd.add(user);
            run(cmd.toArray(new String[0]));
        }
        return uid(user);
    }

    public static int uid(String user) {
        return Integer.parseInt(run("id", "-u", user).trim());
    }

    public static String home(String user) {
        return run("getent", "passwd", user).split(":")[5];
    }

    /** {@code java -cp (the test class path) main args…} as {@code user}. */
    public static ProcessBuilder javaAs(String user, String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", readableClasspath(), main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /**
     * The test's class path with every jar another user could not read copied to a world-readable directory
     * (once per JVM); Surefire's manifest-only booter jar is unfolded into its entries.
     */
    public static synchronized String readableClasspath() {
        try {
            if (classpath == null) {
                classpath = Files.createTempDirectory("taskfs-test-cp-");
                Files.setPosixFilePermissions(classpath, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            List<String> out = new ArrayList<>();
            for (Path entry : entries()) {
                if (!Files.exists(entry)) {
                    continue;
                }
                if (readableByAll(entry)) {
                    out.add(entry.toString());
                } else {
                    Path copy = classpath.resolve(out.size() + "-" + entry.getFileName());
                    if (!Files.exists(copy)) {
                        Files.copy(entry, copy);
                        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                    }
                    out.add(copy.toString());
                }
            }
            return String.join(":", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<Path> entries() throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(":")) {
            if (e.isEmpty()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath();
            if (p.toString().endsWith(".jar") && Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    Manifest m = jar.getManifest();
                    String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (cp != null && p.getFileName().toString().startsWith("surefire")) {
                        for (String u : cp.trim().split("\\s+")) {
                            out.add(Path.of(java.net.URI.create(u)));
                        }
                        continue;
                    }
                }
            }
            out.add(p);
        }
        return out;
    }

    /** Whether a user other than root can read {@code p}: every directory above it searchable by others. */
    private static boolean readableByAll(Path p) throws IOException {
        // A directory of classes in the build tree is written with the usual umask: its files are readable too.
        if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
            return false;
        }
        for (Path d = p.getParent(); d != null; d = d.getParent()) {
            if (!Files.getPosixFilePermissions(d).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    /** Runs a system command as root; its standard output ("" if it failed with exit 2, as getent does). */
    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
            }
            int rc = p.exitValue();
            if (rc != 0 && !(cmd[0].equals("getent") && rc == 2)) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
