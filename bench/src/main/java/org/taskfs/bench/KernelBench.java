package org.taskfs.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.taskfs.styx.testing.LinuxGuest;

/**
 * Row 4 through the Linux kernel's own 9P client (v9fs, 9P2000.L) in a QEMU guest ({@link LinuxGuest}): a task
 * writes {@code bytes} of zeros and {@code dd bs=1M} in the guest reads the session's {@code stdout} through a
 * mount of the coordinator, against the same kernel reading a file of the same size from diod's export (tmpfs on
 * this host) in the same guest. The guest is emulated (TCG), so only the ratio between the two means much.
 *
 * <p>Timed in the guest by busybox sh's {@code $EPOCHREALTIME}: from the exec (taskfs) or the open (diod) to
 * dd's exit. Busybox dd prints no byte count, so with {@code iflag=fullblock} it must report exactly
 * {@code bytes / 1 MiB} whole records and no partial one; anything else fails the sample.
 */
final class KernelBench {
    private static final int COORD_PORT = LinuxGuest.FIRST_PORT;
    private static final int DIOD_PORT = LinuxGuest.FIRST_PORT + 1;
    private static final long BLOCK = 1 << 20;
    private static final String MNT = "/mnt/kbench";
    private static final Pattern TIME = Pattern.compile("(?m)^TIME (\\d+)\\.(\\d{6}) (\\d+)\\.(\\d{6})$");
    private static final Pattern RECORDS = Pattern.compile("(?m)^(\\d+)\\+(\\d+) records in$");
    private static final Pattern MSIZE = Pattern.compile("[ ,]msize=(\\d+)");
    /** What v9fs asks for when no msize= is given, and leaves out of /proc/mounts (Linux ≥ 5.15). */
    private static final long DEFAULT_MSIZE = 128 * 1024;

    /** One way to the bytes: a mount of the coordinator or of diod, with the msize option it is mounted with. */
    private record Way(String key, boolean taskfs, String mountOpts) {}

    private KernelBench() {}

    static void kernel(Args a, Samples out) throws Exception {
        long bytes = a.longValue("bytes", 1L << 30);
        int runs = a.integer("runs", 3);
        int diodPort = a.integer("diod-port", 0);
        String diodAname = a.string("diod-aname", null);
        String diodFile = a.string("diod-file", "zero");
        if (bytes <= 0 || bytes % BLOCK != 0) {
            throw new IllegalArgumentException("--bytes must be a positive multiple of 1 MiB: " + bytes);
        }
        List<Way> paths = new ArrayList<>(List.of(new Way("stream.kernel", true, ""),
                new Way("stream.kernel.1m", true, "msize=1048576"), new Way("stream.kernel.diod", false, "")));
        if (diodPort == 0 || diodAname == null) {
            out.meta("na.stream.kernel.diod", "diod not available");
            paths.removeIf(p -> !p.taskfs());
        }
        try (Target t = Target.of(a)) {
            measureAll(t, paths, bytes, runs, diodPort, diodAname, diodFile, out);
        }
    }

    private static void measureAll(Target t, List<Way> paths, long bytes, int runs, int diodPort, String diodAname,
            String diodFile, Samples out) {
        LinuxGuest guest;
        try {
            guest = LinuxGuest.shared();
        } catch (IllegalStateException e) {
            // No QEMU (or no kernel to boot) is this machine's lack, not a taskfs failure: the row says why.
            String why = "no Linux guest: " + rootMessage(e);
            System.err.println("kernel: " + why);
            for (Way p : paths) {
                out.meta("na." + p.key(), why);
            }
            return;
        }
        out.meta("stream.kernel.guest", "Linux " + guest.kernelRelease() + ", QEMU TCG, 1 vCPU");
        out.meta("stream.kernel.timing", "in the guest: busybox sh $EPOCHREALTIME around exec + dd (diod: dd)");
        Map<String, String> failed = new LinkedHashMap<>();
        guest.route(COORD_PORT, t.address().port());
        if (diodPort != 0) {
            guest.route(DIOD_PORT, diodPort);
        }
        // Interleaved, so that whatever else the machine does weighs on each path alike.
        for (int r = 0; r < runs; r++) {
            for (Way p : paths) {
                if (failed.containsKey(p.key())) {
                    continue;
                }
                String script = p.taskfs() ? coordinatorScript(bytes, p.mountOpts())
                        : diodScript(diodAname, diodFile, p.mountOpts());
                try {
                    double mbps = measure(guest, script, bytes, r == 0 ? p.key() : null, out);
                    System.err.printf("kernel: %s %.1f MB/s%n", p.key(), mbps);
                    out.add(p.key(), mbps);
                } catch (IllegalStateException e) {
                    System.err.println("kernel: " + p.key() + ": " + e.getMessage());
                    out.meta("na." + p.key(), e.getMessage());
                    failed.put(p.key(), e.getMessage());
                }
            }
        }
        failed.keySet().removeIf(k -> k.equals("stream.kernel.diod"));
        if (!failed.isEmpty()) {
            throw new IllegalStateException("kernel: " + failed);
        }
    }

    private static String mount(int port, String opts) {
        return LinuxGuest.mountCommand(port, MNT, "9p2000.L", opts) + "\n"
                + "trap 'umount " + MNT + " || umount -l " + MNT + "' EXIT\n"
                + "grep ' " + MNT + " ' /proc/mounts | sed 's/^/MOUNT /'\n";
    }

    /** A session of one task through the coordinator, its stdout read by dd. */
    static String coordinatorScript(long bytes, String msizeOpt) {
        String opts = "uname=root" + (msizeOpt.isEmpty() ? "" : "," + msizeOpt);
        return "set -e\n" + mount(COORD_PORT, opts)
                + "s=$(cat " + MNT + "/clone)\n"
                + "echo res 1 > " + MNT + "/$s/ctl\n"
                + "t0=$EPOCHREALTIME\n"
                + "echo 'exec head -c " + bytes + " /dev/zero' > " + MNT + "/$s/ctl\n"
                + dd(MNT + "/$s/stdout")
                + "echo release > " + MNT + "/$s/ctl || true\n";
    }

    /** diod's export of a tmpfs directory holding the file (diod runs with -n: no auth). */
    static String diodScript(String aname, String file, String msizeOpt) {
        String opts = "uname=root,aname=" + aname + (msizeOpt.isEmpty() ? "" : "," + msizeOpt);
        return "set -e\n" + mount(DIOD_PORT, opts) + "t0=$EPOCHREALTIME\n" + dd(MNT + "/" + file);
    }

    private static String dd(String file) {
        return "dd if=" + file + " of=/dev/null bs=" + BLOCK + " iflag=fullblock 2> /tmp/kbench.dd"
                + " || { cat /tmp/kbench.dd >&2; exit 3; }\n"
                + "t1=$EPOCHREALTIME\n"
                + "echo \"TIME $t0 $t1\"\n"
                + "cat /tmp/kbench.dd\n";
    }

    /** Runs one timed read and returns MB/s; a failure or short read throws, saying what happened. */
    private static double measure(LinuxGuest guest, String script, long bytes, String metaKey, Samples out) {
        // Generous: 0.5 MB/s at the least (diod through the emulated guest manages about 1.4 on a quiet machine).
        Duration timeout = Duration.ofSeconds(Math.max(120, bytes / 500_000));
        long h0 = System.nanoTime();
        LinuxGuest.Result r = guest.run(timeout, script);
        double hostSeconds = (System.nanoTime() - h0) / 1e9;
        String o = r.stdout();
        if (r.exit() != 0) {
            throw new IllegalStateException((r.timedOut() ? "timed out after " + timeout.toSeconds() + " s"
                    : "guest script exited " + r.exit()) + ": " + oneLine(r.stderr()));
        }
        Matcher rec = RECORDS.matcher(o);
        long whole = bytes / BLOCK;
        if (!rec.find() || Long.parseLong(rec.group(1)) != whole || !rec.group(2).equals("0")) {
            throw new IllegalStateException("short read: dd read " + (rec.find(0) ? rec.group(1) + "+" + rec.group(2)
                    : "?") + " records of 1 MiB, expected " + whole + "+0");
        }
        Matcher tm = TIME.matcher(o);
        if (!tm.find()) {
            throw new IllegalStateException("no timing in the guest's output: " + oneLine(o));
        }
        long us = micros(tm.group(3), tm.group(4)) - micros(tm.group(1), tm.group(2));
        if (us <= 0) {
            throw new IllegalStateException("the guest's clock went backwards: " + tm.group());
        }
        if (metaKey != null) {
            Matcher ms = MSIZE.matcher(o.lines().filter(l -> l.startsWith("MOUNT ")).findFirst().orElse(""));
            out.meta(metaKey + ".msize", ms.find() ? ms.group(1) : Long.toString(DEFAULT_MSIZE));
        }
        System.err.printf("kernel: guest %.2f s, host round trip %.2f s%n", us / 1e6, hostSeconds);
        return bytes / (us / 1e6) / 1e6;
    }

    private static long micros(String seconds, String fraction) {
        return Long.parseLong(seconds) * 1_000_000 + Long.parseLong(fraction);
    }

    private static String oneLine(String s) {
        String t = s.strip().replace('\n', ' ');
        return t.length() > 160 ? t.substring(0, 160) : t;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return oneLine(String.valueOf(c.getMessage()));
    }
}
