package org.taskfs.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.taskfs.task.Scratch;

/**
 * A node's directory of {@code taskfs} for its tasks, put first on their PATH: a script that runs this daemon's
 * Java on this daemon's classes with the one-shot flags of {@code bin/taskfs}, so a task can
 * {@code taskfs cat $TASKFS_SESSION/1/stdout} whatever is installed. A task may run as another user than the
 * daemon (a root node), so the script, the directory and every classpath entry must be readable by all: an entry
 * that is not (a jar in /root/.m2) is linked or copied into the directory. Removed when the node stops.
 */
public final class TaskfsBin implements AutoCloseable {
    /** The command line's entry point; a daemon without it on its classpath gives its tasks no taskfs. */
    static final String MAIN = "org.taskfs.cli.Main";
    /** The JVM flags bin/taskfs gives its one-shot client commands: start-up over throughput. */
    static final String QUICK = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dio.netty.jfr.enabled=false";

    private static final Set<PosixFilePermission> OPEN_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> OPEN_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path dir;

    private TaskfsBin(Path dir) {
        this.dir = dir;
    }

    /** The directory to put first on tasks' PATH. */
    public Path dir() {
        return dir;
    }

    /**
     * Makes the directory under java.io.tmpdir, or returns null when this JVM has no command line to offer (a
     * daemon embedded without the taskfs CLI on its classpath).
     */
    public static TaskfsBin prepare() {
        if (ClassLoader.getSystemResource(MAIN.replace('.', '/') + ".class") == null) {
            return null;
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("taskfs-bin-");
            Files.setPosixFilePermissions(dir, OPEN_DIR);
            List<String> cp = new ArrayList<>();
            int n = 0;
            for (Path entry : classpath()) {
                if (readableByAll(entry)) {
                    cp.add(entry.toString());
                } else {
                    Path copy = dir.resolve("lib").resolve((n++) + "-" + entry.getFileName());
                    Files.createDirectories(copy.getParent());
                    Files.setPosixFilePermissions(copy.getParent(), OPEN_DIR);
                    share(entry, copy);
                    cp.add(copy.toString());
                }
            }
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            String script = "#!/bin/sh\n"
                    + "# taskfs for this node's tasks: the node daemon's Java and classes (removed when it stops).\n"
                    + "exec " + sh(java.toString()) + " " + QUICK + classData(cp) + " $TASKFS_JAVA_OPTS -cp "
                    + sh(String.join(":", cp)) + " " + MAIN + " \"$@\"\n";
            Path taskfs = dir.resolve("taskfs");
            Files.writeString(taskfs, script, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(taskfs, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new TaskfsBin(dir);
        } catch (IOException e) {
            if (dir != null) {
                Scratch.deleteTree(dir);
            }
            throw new UncheckedIOException("cannot prepare taskfs for the tasks in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The launcher's class-data archive ({@code taskfs warm-up}) where the classes are one jar with a fresh archive
     * beside it, as the launcher uses it; else nothing.
     */
    private static String classData(List<String> cp) throws IOException {
        if (cp.size() != 1 || !cp.get(0).endsWith(".jar")) {
            return "";
        }
        Path jar = Path.of(cp.get(0));
        Path jsa = jar.resolveSibling(jar.getFileName().toString().replaceFirst("\\.jar$", ".jsa"));
        if (!Files.isReadable(jsa) || !readableByAll(jsa)
                || Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) <= 0) {
            return "";
        }
        return " -Xlog:cds=off,cds+dynamic=off -XX:SharedArchiveFile=" + sh(jsa.toString());
    }

    /**
     * This JVM's classpath, with the Class-Path of manifest-only jars (as surefire starts tests) followed, since a
     * copied jar's relative or /root references would not be readable where the copy is.
     */
    private static List<Path> classpath() throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                add(Path.of(e).toAbsolutePath().normalize(), out);
            }
        }
        return new ArrayList<>(out);
    }

    private static void add(Path entry, Set<Path> out) throws IOException {
        if (!Files.exists(entry) || !out.add(entry) || Files.isDirectory(entry)) {
            return;
        }
        String refs;
        try (JarFile jar = new JarFile(entry.toFile())) {
            refs = jar.getManifest() == null ? null
                    : jar.getManifest().getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
        }
        if (refs == null) {
            return;
        }
        for (String ref : refs.trim().split("\\s+")) {
            if (!ref.isEmpty()) {
                add(Path.of(entry.getParent().toUri().resolve(URI.create(ref))).normalize(), out);
            }
        }
    }

    /** Whether any user can read {@code p} (and the whole tree under it): o+r on it, o+x on every directory above. */
    static boolean readableByAll(Path p) throws IOException {
        for (Path up = p.toAbsolutePath().getParent(); up != null; up = up.getParent()) {
            if (!Files.getPosixFilePermissions(up).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        if (!Files.isDirectory(p)) {
            return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_READ);
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : (Iterable<Path>) all::iterator) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
                if (!perms.contains(PosixFilePermission.OTHERS_READ)
                        || Files.isDirectory(f) && !perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A copy of {@code src} others can read: a hard link of a file that already is (no bytes copied), else a copy. */
    private static void share(Path src, Path dst) throws IOException {
        if (Files.isDirectory(src)) {
            try (Stream<Path> all = Files.walk(src)) {
                for (Path f : (Iterable<Path>) all::iterator) {
                    Path to = dst.resolve(src.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                        Files.setPosixFilePermissions(to, OPEN_DIR);
                    } else {
                        share(f, to);
                    }
                }
            }
            return;
        }
        if (Files.getPosixFilePermissions(src).contains(PosixFilePermission.OTHERS_READ)) {
            try {
                Files.createLink(dst, src);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // another file system, or links refused: copy
            }
        }
        Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(dst, OPEN_FILE);
    }

    /** {@code s} quoted for sh. */
    private static String sh(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        Scratch.deleteTree(dir);
    }
}
