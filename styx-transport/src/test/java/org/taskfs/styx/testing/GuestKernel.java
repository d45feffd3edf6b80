package org.taskfs.styx.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's stock kernel for {@link LinuxGuest}, fetched with apt once and cached: the uncompressed vmlinux (QEMU
 * boots it through its PVH entry, which skips the slow decompression under emulation) and the .ko files the guest
 * needs, in load order.
 *
 * <p>Cache layout: {@code ~/.cache/taskfs/linux-guest/<package>/} holds {@code vmlinux}, {@code modules/*.ko},
 * {@code release} and {@code ready} (written last; it names the module roots the directory was made for). A
 * cached kernel is used as long as it exists, even when the archive has moved on.
 */
record GuestKernel(Path vmlinux, String release, List<Path> modules) {

    /** The modules the guest asks for; their dependencies come along, loaded first. */
    static final List<String> ROOTS = List.of("virtio_pci", "virtio_net", "9pnet_fd", "9p");

    static Path cacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "taskfs", "linux-guest");
    }

    /** The cached kernel, made first if there is none. Two JVMs at once: the second waits for the first. */
    static GuestKernel obtain() {
        Path cache = cacheDir();
        try {
            Files.createDirectories(cache);
            try (FileChannel ch = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                    FileLock lock = ch.lock()) {
                Optional<Path> cached = newestReady(cache);
                return load(cached.isPresent() ? cached.get() : make(cache));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rootsLine() {
        return String.join(" ", ROOTS);
    }

    private static Optional<Path> newestReady(Path cache) throws IOException {
        try (Stream<Path> dirs = Files.list(cache)) {
            return dirs.filter(d -> isReady(d))
                    .max(Comparator.comparing(d -> d.resolve("ready").toFile().lastModified()));
        }
    }

    private static boolean isReady(Path dir) {
        try {
            Path ready = dir.resolve("ready");
            return Files.isRegularFile(ready) && Files.readString(ready).strip().equals(rootsLine());
        } catch (IOException e) {
            return false;
        }
    }

    private static GuestKernel load(Path dir) throws IOException {
        List<Path> modules = new ArrayList<>();
        for (String name : Files.readAllLines(dir.resolve("modules").resolve("order"))) {
            if (!name.isBlank()) modules.add(dir.resolve("modules").resolve(name + ".ko"));
        }
        return new GuestKernel(dir.resolve("vmlinux"), Files.readString(dir.resolve("release")).strip(), modules);
    }

    /** Downloads and unpacks the kernel linux-image-amd64 depends on today. */
    private static Path make(Path cache) throws IOException {
        try (Stream<Path> stale = Files.list(cache)) {
            // A JVM that died while unpacking leaves its 400 MB behind; we hold the lock, so none is at work.
            for (Path p : stale.filter(p -> p.getFileName().toString().startsWith("unpack-")).toList()) deleteTree(p);
        }
        String pkg = packageName();
        Optional<Path> got = download(cache, pkg);
        if (got.isEmpty()) {
            // The package lists may predate the archive's current kernel.
            exec(cache, "apt-get", "update", "-qq");
            pkg = packageName();
            got = download(cache, pkg);
        }
        Path deb = got.orElseThrow(() -> new IOException("apt-get download failed; see above"));
        Path dir = deb.getParent();
        Path root = Files.createTempDirectory(cache, "unpack-");
        try {
            exec(cache, "dpkg-deb", "-x", deb.toString(), root.toString()).orThrow("dpkg-deb -x " + deb);
            Path modulesRoot;
            try (Stream<Path> rel = Files.list(root.resolve("lib/modules"))) {
                modulesRoot = rel.findFirst().orElseThrow(() -> new IOException("no lib/modules in " + deb));
            }
            String release = modulesRoot.getFileName().toString();
            extractVmlinux(root.resolve("boot/vmlinuz-" + release), dir.resolve("vmlinux"));
            Path modules = Files.createDirectories(dir.resolve("modules"));
            List<String> order = new ArrayList<>();
            for (Map.Entry<String, Path> m : loadOrder(modulesRoot.resolve("kernel")).entrySet()) {
                Files.copy(m.getValue(), modules.resolve(m.getKey() + ".ko"), StandardCopyOption.REPLACE_EXISTING);
                order.add(m.getKey());
            }
            Files.write(modules.resolve("order"), order);
            Files.writeString(dir.resolve("release"), release + "\n");
            Files.delete(deb);
            Files.writeString(dir.resolve("ready"), rootsLine() + "\n");
            return dir;
        } finally {
            deleteTree(root);
        }
    }

    private static String packageName() throws IOException {
        Optional<String> name = dependency();
        if (name.isEmpty()) {
            exec(cacheDir(), "apt-get", "update", "-qq");
            name = dependency();
        }
        return name.orElseThrow(() -> new IOException("apt-cache depends linux-image-amd64 names no kernel"));
    }

    private static Optional<String> dependency() throws IOException {
        Exec deps = exec(cacheDir(), "apt-cache", "depends", "linux-image-amd64");
        Matcher m = Pattern.compile("Depends: (linux-image-\\S+)").matcher(deps.out());
        return deps.ok() && m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The package's .deb in a fresh {@code cache/pkg/}, or empty if apt-get could not fetch it. */
    private static Optional<Path> download(Path cache, String pkg) throws IOException {
        Path dir = cache.resolve(pkg);
        deleteTree(dir);
        Files.createDirectories(dir);
        Exec got = exec(dir, "apt-get", "download", pkg);
        try (Stream<Path> files = Files.list(dir)) {
            Optional<Path> deb = files.filter(f -> f.toString().endsWith(".deb")).findFirst();
            if (got.ok() && deb.isPresent()) return deb;
        }
        System.err.println("apt-get download " + pkg + " failed: " + got.out());
        deleteTree(dir);
        return Optional.empty();
    }

    /** vmlinuz is a small decompressor followed by the xz-compressed kernel: decompress from the xz magic on. */
    private static void extractVmlinux(Path vmlinuz, Path vmlinux) throws IOException {
        byte[] image = Files.readAllBytes(vmlinuz);
        byte[] magic = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
        int at = indexOf(image, magic, 0);
        if (at < 0) throw new IOException("no xz stream in " + vmlinuz);
        Path xz = Files.createTempFile(vmlinux.getParent(), "vmlinux-", ".xz");
        Path tmp = vmlinux.resolveSibling("vmlinux.tmp");
        try {
            Files.write(xz, Arrays.copyOfRange(image, at, image.length));
            // --single-stream: what follows the kernel's stream in vmlinuz is not xz.
            Process p = new ProcessBuilder("xz", "-dc", "--single-stream", xz.toString())
                    .redirectOutput(tmp.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (!waitFor(p) || p.exitValue() != 0) throw new IOException("xz failed on " + vmlinuz);
            byte[] head = new byte[4];
            try (var in = Files.newInputStream(tmp)) {
                if (in.readNBytes(head, 0, 4) != 4 || !Arrays.equals(head, new byte[] {0x7f, 'E', 'L', 'F'})) {
                    throw new IOException("the xz stream in " + vmlinuz + " is not an ELF kernel");
                }
            }
            Files.move(tmp, vmlinux, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(xz);
            Files.deleteIfExists(tmp);
        }
    }

    /** {@link #ROOTS} and their dependencies (from each module's {@code depends=}), dependencies first. */
    private static Map<String, Path> loadOrder(Path kernelDir) throws IOException {
        Map<String, Path> byName = new HashMap<>();
        try (Stream<Path> all = Files.walk(kernelDir)) {
            all.filter(f -> f.toString().endsWith(".ko")).forEach(f -> {
                String file = f.getFileName().toString();
                byName.put(file.substring(0, file.length() - 3).replace('-', '_'), f);
            });
        }
        Set<String> order = new LinkedHashSet<>();
        for (String root : ROOTS) visit(root, byName, order, new LinkedHashSet<>());
        Map<String, Path> result = new java.util.LinkedHashMap<>();
        for (String name : order) result.put(name, byName.get(name));
        return result;
    }

    private static void visit(String name, Map<String, Path> byName, Set<String> order, Set<String> path)
            throws IOException {
        if (order.contains(name)) return;
        if (!path.add(name)) throw new IOException("module dependency cycle: " + path);
        Path ko = byName.get(name);
        if (ko == null) throw new IOException("the kernel package has no module " + name);
        for (String dep : depends(ko)) visit(dep, byName, order, path);
        path.remove(name);
        order.add(name);
    }

    private static List<String> depends(Path ko) throws IOException {
        byte[] bytes = Files.readAllBytes(ko);
        int at = indexOf(bytes, "\0depends=".getBytes(StandardCharsets.US_ASCII), 0);
        if (at < 0) return List.of();
        int start = at + "\0depends=".length();
        int end = start;
        while (end < bytes.length && bytes[end] != 0) end++;
        String list = new String(bytes, start, end - start, StandardCharsets.US_ASCII);
        return list.isEmpty() ? List.of() : List.of(list.split(","));
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private record Exec(int exit, String out) {
        boolean ok() {
            return exit == 0;
        }

        void orThrow(String what) throws IOException {
            if (!ok()) throw new IOException(what + " failed (exit " + exit + "): " + out);
        }
    }

    private static Exec exec(Path dir, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!waitFor(p)) throw new IOException("timed out: " + String.join(" ", cmd));
        return new Exec(p.exitValue(), out);
    }

    private static boolean waitFor(Process p) throws IOException {
        try {
            if (p.waitFor(10, TimeUnit.MINUTES)) return true;
            p.destroyForcibly();
            return false;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
