package org.taskfs.styx.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * A real Linux kernel in a QEMU guest (software emulation), so that tests can mount a 9P server running on this
 * host with the kernel's own client (v9fs) and run shell commands next to the mount. This machine's kernel has no
 * 9p; Debian's stock kernel, fetched by {@link GuestKernel}, has.
 *
 * <p>The guest is busybox in an initramfs, as root. It reaches nothing but {@link #HOST_ADDRESS}: its ports
 * {@link #FIRST_PORT}.. (eight of them) lead wherever {@link #route} says, and one more port carries the channel
 * {@link #run} sends scripts over. Its serial console (kernel messages) goes to {@link #consoleLog()}.
 *
 * <p>Needs {@code qemu-system-x86}, {@code busybox-static}, {@code socat} and apt (for the kernel, once); the
 * host's {@code tree}, if installed, is copied in with its libraries.
 */
public final class LinuxGuest {
    /** The address the guest reaches this host's routed ports on. */
    public static final String HOST_ADDRESS = "10.0.2.100";
    /** The first routable guest port; {@link #PORTS} of them follow on from here. */
    public static final int FIRST_PORT = 564;
    public static final int PORTS = 8;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final int AGENT_PORT = 563;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(3);
    /** What the guest may take beyond a script's own timeout to report it (emulation is slow on a busy host). */
    private static final Duration REPLY_GRACE = Duration.ofSeconds(60);

    /**
     * A finished script: its exit status ({@link #TIMED_OUT} if its time ran out and its process group was
     * killed) and its standard output and error, byte for byte.
     */
    public record Result(int exit, byte[] stdoutBytes, byte[] stderrBytes) {
        public static final int TIMED_OUT = -1;

        public String stdout() {
            return new String(stdoutBytes, UTF_8);
        }

        public String stderr() {
            return new String(stderrBytes, UTF_8);
        }

        public boolean timedOut() {
            return exit == TIMED_OUT;
        }

        @Override
        public String toString() {
            return "Result[exit=" + exit + ", stdout=" + stdout() + ", stderr=" + stderr() + "]";
        }
    }

    private static LinuxGuest shared;
    private static RuntimeException bootFailure;

    private final Process qemu;
    private final Path work;
    private final Path console;
    private final String release;
    private volatile Socket agent;
    private InputStream fromGuest;
    private OutputStream toGuest;
    private long lastId;
    private long started;
    private IOException broken;

    /** The guest of this JVM, booted on first use and powered off when the JVM exits. */
    public static synchronized LinuxGuest shared() {
        if (shared == null && bootFailure == null) {
            try {
                shared = boot();
            } catch (IOException e) {
                bootFailure = new UncheckedIOException(e);
            } catch (RuntimeException e) {
                bootFailure = e;
            }
        }
        if (bootFailure != null) throw new IllegalStateException("the Linux guest did not boot", bootFailure);
        return shared;
    }

    private LinuxGuest(Process qemu, Path work, Path console, String release) {
        this.qemu = qemu;
        this.work = work;
        this.console = console;
        this.release = release;
    }

    /** The guest kernel's {@code uname -r}, e.g. {@code 6.1.0-57-amd64}. */
    public String kernelRelease() {
        return release;
    }

    /** The guest's serial console: kernel messages and /init's progress lines. */
    public Path consoleLog() {
        return console;
    }

    public List<String> console() {
        try {
            return Files.readAllLines(console, ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * From now on, a connection the guest makes to {@link #HOST_ADDRESS}:guestPort reaches 127.0.0.1:hostPort
     * here. Connections already open stay where they are.
     */
    public void route(int guestPort, int hostPort) {
        if (guestPort < FIRST_PORT || guestPort >= FIRST_PORT + PORTS) {
            throw new IllegalArgumentException("routable guest ports are " + FIRST_PORT + ".."
                    + (FIRST_PORT + PORTS - 1) + ": " + guestPort);
        }
        try {
            // QEMU runs the port's socat per connection, reading this file then: replace it whole.
            Path tmp = Files.writeString(work.resolve("route-" + guestPort + ".tmp"), hostPort + "\n");
            Files.move(tmp, routeFile(guestPort), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code mount -t 9p} of {@link #HOST_ADDRESS}:guestPort on dir (made if missing); extraOpts may be empty. */
    /** Whether guest process {@code pid} still runs: not gone, and not a zombie waiting for init to reap it. */
    public boolean alive(long pid) {
        return run("grep -q '^State:.*[RSDT]' /proc/" + pid + "/status").exit() == 0;
    }

    public static String mountCommand(int guestPort, String dir, String version, String extraOpts) {
        String opts = "trans=tcp,port=" + guestPort + ",version=" + version
                + (extraOpts.isEmpty() ? "" : "," + extraOpts);
        return "mkdir -p " + dir + " && mount -t 9p -o " + opts + " " + HOST_ADDRESS + " " + dir;
    }

    public Result run(String script) {
        return run(DEFAULT_TIMEOUT, script);
    }

    /**
     * Runs script with busybox sh in the guest, as root in /, stdin /dev/null, in a session (process group) of its
     * own. When timeout (whole seconds, rounded up) passes first, that process group is killed and the result is
     * {@link Result#TIMED_OUT} with the output so far. Processes the script leaves in the background live on
     * (and are killed with it only on a timeout); they should redirect their output, which otherwise goes to a
     * deleted file. Scripts run one at a time.
     */
    public synchronized Result run(Duration timeout, String script) {
        if (broken != null) throw new IllegalStateException("the guest's agent is gone", broken);
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        long id = ++lastId;
        try {
            String request = id + " " + seconds + " " + Base64.getEncoder().encodeToString(script.getBytes(UTF_8));
            toGuest.write((request + "\n").getBytes(US_ASCII));
            toGuest.flush();
            agent.setSoTimeout((int) Math.min(Integer.MAX_VALUE, seconds * 1000 + REPLY_GRACE.toMillis()));
            String[] head = readLine(fromGuest).split(" ");
            if (head.length != 4 || Long.parseLong(head[0]) != id) {
                throw new IOException("the guest's agent answered " + String.join(" ", head) + " to request " + id);
            }
            byte[] out = readExactly(fromGuest, Integer.parseInt(head[2]));
            byte[] err = readExactly(fromGuest, Integer.parseInt(head[3]));
            return new Result(Integer.parseInt(head[1]), out, err);
        } catch (IOException | RuntimeException e) {
            broken = e instanceof IOException io ? io : new IOException(e);
            throw new IllegalStateException("the guest's agent failed; console: " + console, e);
        }
    }

    /**
     * Starts command ({@code sh -c}) detached in the guest and returns its pid, for a later script's
     * {@code kill -INT pid}. Unlike {@code command &} in a script (a shell without job control starts background
     * jobs with SIGINT and SIGQUIT ignored, for good), it starts with every signal at its default. Its standard
     * streams are /dev/null unless it redirects them; it lives until killed or the guest powers off.
     */
    public long start(String command) {
        String base = "/tmp/started." + (++started);
        String b64 = Base64.getEncoder().encodeToString(command.getBytes(UTF_8));
        // start-stop-daemon -b forks from the script's foreground, where nothing is ignored.
        Result r = run("echo " + b64 + " | base64 -d > " + base + ".sh && start-stop-daemon -S -b -m -p " + base
                + ".pid -x /bin/sh -- " + base + ".sh && cat " + base + ".pid");
        if (r.exit() != 0) throw new IllegalStateException("could not start " + command + ": " + r);
        return Long.parseLong(r.stdout().strip());
    }

    // ---------------------------------------------------------------------------------------------------------

    private Path routeFile(int guestPort) {
        return work.resolve("route-" + guestPort);
    }

    private static LinuxGuest boot() throws IOException {
        long start = System.nanoTime();
        for (String[] need : new String[][] {{"qemu-system-x86_64", "qemu-system-x86"}, {"socat", "socat"},
            {"xz", "xz-utils"}, {"apt-get", "apt"}}) {
            if (!onPath(need[0])) throw new IOException("needs " + need[0] + " (package " + need[1] + ")");
        }
        GuestKernel kernel = GuestKernel.obtain();
        Path console = Path.of("target").toAbsolutePath().resolve("linux-guest-console.log");
        Files.createDirectories(console.getParent());
        Path work = Files.createTempDirectory("taskfs-guest-");
        LinuxGuest guest = null;
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Paths end up inside QEMU's option syntax and a shell command: keep them plain.
            if (!work.toString().matches("[A-Za-z0-9/._-]+")) throw new IOException("unusable temp dir " + work);
            Path initrd = work.resolve("initramfs.cpio.gz");
            writeInitramfs(kernel, initrd);
            List<String> cmd = new ArrayList<>(List.of("sh", "-c", LEASH, "sh"));
            cmd.addAll(qemuCommand(kernel, initrd, work, listen.getLocalPort()));
            // Standard input stays a pipe from this JVM: the leash.
            Process qemu = new ProcessBuilder(cmd).redirectOutput(console.toFile()).redirectErrorStream(true).start();
            guest = new LinuxGuest(qemu, work, console, kernel.release());
            Runtime.getRuntime().addShutdownHook(new Thread(guest::shutdown, "linux-guest-shutdown"));
            guest.connect(listen);
            System.err.printf("LinuxGuest: %s up in %.1f s (console: %s)%n", kernel.release(),
                    (System.nanoTime() - start) / 1e9, console);
            return guest;
        } catch (IOException | RuntimeException e) {
            if (guest == null) {
                GuestKernel.deleteTree(work);
                throw e;
            }
            guest.shutdown();
            throw new IOException(e.getMessage() + "; console " + console + " ends:\n"
                    + String.join("\n", tail(guest.console(), 30)), e);
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    /** Waits for the guest's agent to call in, and checks it is ours. */
    private void connect(ServerSocket listen) throws IOException {
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return listen.accept();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            CompletableFuture.anyOf(accepted, qemu.onExit()).get(BOOT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the guest did not call in within " + BOOT_TIMEOUT);
        } catch (ExecutionException e) {
            throw new IOException("accepting the guest's agent failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while booting", e);
        }
        if (!accepted.isDone()) throw new IOException("QEMU exited with " + qemu.exitValue() + " during boot");
        try {
            agent = accepted.join();
        } catch (CompletionException e) {
            throw new IOException("accepting the guest's agent failed", e.getCause());
        }
        agent.setSoTimeout(30_000);
        fromGuest = new BufferedInputStream(agent.getInputStream());
        toGuest = new BufferedOutputStream(agent.getOutputStream());
        String hello = readLine(fromGuest);
        if (!hello.equals("taskfs-guest " + release)) throw new IOException("unexpected greeting: " + hello);
    }

    /** Closing the channel makes the guest power off; QEMU is killed should it linger or never have called in. */
    private void shutdown() {
        try {
            if (agent != null) agent.close();
        } catch (IOException ignored) {
            // the guest powers off either way, or is killed below
        }
        try {
            if (agent == null || !qemu.waitFor(10, TimeUnit.SECONDS)) {
                qemu.destroy();
                if (!qemu.waitFor(5, TimeUnit.SECONDS)) {
                    qemu.descendants().forEach(ProcessHandle::destroyForcibly);
                    qemu.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            qemu.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            GuestKernel.deleteTree(work);
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }

    /**
     * Runs QEMU ("$@") and kills it when its standard input, a pipe from this JVM, closes: a JVM killed outright
     * runs no shutdown hook. SIGTERM (Process.destroy) is passed on.
     */
    private static final String LEASH = """
            exec 3<&0
            "$@" < /dev/null &
            q=$!
            trap 'kill $q' TERM
            (read _ <&3; kill -KILL $q 2> /dev/null) &
            w=$!
            wait $q
            s=$?
            kill $w 2> /dev/null
            wait $q 2> /dev/null && s=$?
            exit $s
            """;

    private static List<String> qemuCommand(GuestKernel kernel, Path initrd, Path work, int agentPort) {
        StringBuilder netdev = new StringBuilder("user,id=net0,restrict=on");
        // libslirp splits the cmd: words as a shell would (quotes work) and runs it per connection, with the
        // connection on stdin, stdout and stderr: errors go to a log instead.
        netdev.append(",guestfwd=tcp:").append(HOST_ADDRESS).append(':').append(AGENT_PORT)
                .append("-cmd:socat - TCP:127.0.0.1:").append(agentPort);
        for (int port = FIRST_PORT; port < FIRST_PORT + PORTS; port++) {
            Path route = work.resolve("route-" + port);
            netdev.append(",guestfwd=tcp:").append(HOST_ADDRESS).append(':').append(port)
                    .append("-cmd:sh -c 'exec socat - TCP:127.0.0.1:$(cat ").append(route)
                    .append(" 2>/dev/null) 2>>").append(work.resolve("socat.log")).append('\'');
        }
        return List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-smp", "1",
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-no-reboot",
                "-kernel", kernel.vmlinux().toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 quiet panic=-1",
                "-netdev", netdev.toString(),
                // romfile= : no iPXE option ROM to load and run
                "-device", "virtio-net-pci,netdev=net0,romfile=");
    }

    /*
     * PID 1 is busybox init (it reaps orphans, which a shell script as PID 1 only does in passing): it runs SETUP,
     * then SESSION; when the host closes the channel, SESSION powers the guest off.
     */
    private static final String INITTAB = """
            ::sysinit:/etc/setup
            ::once:/etc/session
            """;

    private static final String SETUP = """
            #!/bin/sh
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            mount -t devtmpfs devtmpfs /dev
            mount -t tmpfs tmpfs /tmp
            for m in $(cat /lib/modules/order); do
              insmod /lib/modules/$m.ko || echo "taskfs-guest: insmod $m failed"
            done
            ip link set lo up
            ip addr add 10.0.2.15/24 dev eth0
            ip link set eth0 up
            ip route add default via 10.0.2.2
            """;

    private static final String SESSION = """
            #!/bin/sh
            export PATH=/sbin:/usr/sbin:/bin:/usr/bin
            cd /
            echo "taskfs-guest: calling the host"
            nc %s %d -e /etc/agent
            echo "taskfs-guest: channel closed, powering off"
            poweroff -f
            """.formatted(HOST_ADDRESS, AGENT_PORT);

    /**
     * The guest end of {@link #run}: a request is a line "ID SECONDS BASE64-SCRIPT"; the reply a line
     * "ID EXIT OUTLEN ERRLEN" and then exactly that many bytes of stdout and of stderr. The script runs in the
     * foreground, in a session of its own (so its process group can be killed whole) and with SIGINT at its
     * default: a background job of a shell without job control would start with SIGINT and SIGQUIT ignored.
     */
    private static final String AGENT = """
            #!/bin/sh
            echo "taskfs-guest $(uname -r)"
            while read -r id secs script; do
              d=/tmp/run.$id
              mkdir $d
              echo "$script" | base64 -d > $d/script
              setsid sh -c "sleep $secs; touch $d/late; kill -KILL -\\$(cat $d/pid)" < /dev/null > /dev/null 2>&1 &
              dog=$!
              setsid sh -c 'echo $$ > $0/pid; exec sh $0/script' $d < /dev/null > $d/out 2> $d/err
              status=$?
              kill -KILL -$dog 2> /dev/null
              [ -e $d/late ] && status=-1
              o=$(wc -c < $d/out)
              e=$(wc -c < $d/err)
              echo "$id $status $o $e"
              head -c $o $d/out
              head -c $e $d/err
              rm -rf $d
            done
            """;

    private static void writeInitramfs(GuestKernel kernel, Path target) throws IOException {
        Path busybox = Path.of("/bin/busybox");
        byte[] binary = Files.exists(busybox) ? Files.readAllBytes(busybox) : new byte[0];
        // A dynamically linked busybox would find no libc in the guest.
        if (binary.length == 0 || new String(binary, 0, Math.min(binary.length, 4096), ISO_8859_1)
                .contains("ld-linux")) {
            throw new IOException("needs a static /bin/busybox (package busybox-static)");
        }
        Process list = new ProcessBuilder("/bin/busybox", "--list-full").start();
        List<String> applets = new String(list.getInputStream().readAllBytes(), UTF_8).lines()
                .filter(a -> !a.isBlank() && !a.equals("bin/busybox")).toList();
        TreeSet<String> dirs = new TreeSet<>(List.of("bin", "dev", "proc", "sys", "tmp", "mnt", "lib",
                "lib/modules", "root", "etc"));
        for (String a : applets) {
            for (int slash = a.indexOf('/'); slash > 0; slash = a.indexOf('/', slash + 1)) {
                dirs.add(a.substring(0, slash));
            }
        }
        Map<String, byte[]> programs = hostPrograms();
        for (String f : programs.keySet()) {
            for (int slash = f.indexOf('/'); slash > 0; slash = f.indexOf('/', slash + 1)) {
                dirs.add(f.substring(0, slash));
            }
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (Cpio cpio = new Cpio(new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp))))) {
            for (String d : dirs) cpio.dir(d);
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.charDevice("dev/null", 0666, 1, 3);
            cpio.file("bin/busybox", 0755, binary);
            for (String a : applets) cpio.symlink(a, "/bin/busybox");
            List<String> order = new ArrayList<>();
            for (Path ko : kernel.modules()) {
                cpio.file("lib/modules/" + ko.getFileName(), 0644, Files.readAllBytes(ko));
                String name = ko.getFileName().toString();
                order.add(name.substring(0, name.length() - 3));
            }
            cpio.file("lib/modules/order", 0644, (String.join("\n", order) + "\n").getBytes(UTF_8));
            for (Map.Entry<String, byte[]> f : programs.entrySet()) {
                cpio.file(f.getKey(), 0755, f.getValue());
            }
            cpio.symlink("init", "/bin/busybox");
            cpio.file("etc/inittab", 0644, INITTAB.getBytes(UTF_8));
            cpio.file("etc/setup", 0755, SETUP.getBytes(UTF_8));
            cpio.file("etc/session", 0755, SESSION.getBytes(UTF_8));
            cpio.file("etc/agent", 0755, AGENT.getBytes(UTF_8));
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Programs of this host the guest has besides busybox's applets: the seed transcript's {@code tree}. */
    private static final List<String> HOST_PROGRAMS = List.of("/usr/bin/tree");

    /**
     * Each host program that is installed, and the libraries {@code ldd} says it loads, by their paths in the
     * guest (the host's, without the leading slash), so a dynamically linked program runs there as here.
     */
    private static Map<String, byte[]> hostPrograms() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        for (String program : HOST_PROGRAMS) {
            Path p = Path.of(program);
            if (!Files.isRegularFile(p)) {
                continue;
            }
            files.put(program.substring(1), Files.readAllBytes(p));
            Process ldd = new ProcessBuilder("ldd", program).redirectErrorStream(true).start();
            for (String line : new String(ldd.getInputStream().readAllBytes(), UTF_8).split("\n")) {
                Matcher m = Pattern.compile("(/\\S+) \\(0x").matcher(line);
                if (m.find() && Files.isRegularFile(Path.of(m.group(1)))) {
                    files.put(m.group(1).substring(1), Files.readAllBytes(Path.of(m.group(1))));
                }
            }
        }
        return files;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new EOFException("the guest closed the channel");
            line.write(b);
        }
        return line.toString(UTF_8);
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) throw new EOFException("the guest closed the channel");
        return bytes;
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
