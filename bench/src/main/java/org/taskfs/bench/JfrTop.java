package org.taskfs.bench;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording so that "where does the time go" can be answered without a GUI:
 * <ul>
 * <li>CPU in Java (execution samples): the hottest methods (self), the first taskfs method under
 * each sample (our code including what it calls), and the busiest threads;
 * <li>time in native code (native-method samples) apart from the idle waits of event loops and
 * reapers, which only say a thread had nothing to do;
 * <li>lock contention (monitor enter and park events over the recording's threshold) and GC pauses.
 * </ul>
 */
public final class JfrTop {
    private JfrTop() {}

    /** Native frames that mean "this thread is idle, waiting for work" (event loops, reapers, accept). */
    private static final Pattern IDLE = Pattern.compile(
            "(Native\\.epoll\\w*Wait\\w*|EPoll\\.wait|Net\\.(accept|poll)|.*\\.poll\\$jni\\$\\d+|.*\\.wait4\\$jni\\$\\d+"
                    + "|SocketDispatcher\\.read0|Unsafe\\.park|Object\\.wait0?|Thread\\.sleep)");

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrTop FILE.jfr [TOP]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.print(summarise(Path.of(args[0]), top));
        out.flush();
    }

    static String summarise(Path file, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> nativeBusy = new HashMap<>();
        Map<String, Long> contention = new HashMap<>();
        int cpu = 0;
        int nat = 0;
        int idle = 0;
        int gcs = 0;
        int loads = 0;
        double jvmCpu = 0;
        double machineCpu = 0;
        Duration gcPause = Duration.ZERO;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            RecordedStackTrace st = e.getStackTrace();
            List<RecordedFrame> frames = st == null ? List.of() : st.getFrames();
            switch (type) {
                case "jdk.ExecutionSample":
                    if (frames.isEmpty()) {
                        break;
                    }
                    cpu++;
                    self.merge(name(frames.get(0)), 1, Integer::sum);
                    String mine = firstOurs(frames);
                    if (mine != null) {
                        ours.merge(mine, 1, Integer::sum);
                    }
                    threads.merge(thread(e, "sampledThread"), 1, Integer::sum);
                    break;
                case "jdk.NativeMethodSample":
                    if (frames.isEmpty()) {
                        break;
                    }
                    nat++;
                    String top0 = name(frames.get(0));
                    if (IDLE.matcher(top0).matches()) {
                        idle++;
                    } else {
                        String caller = firstOurs(frames);
                        nativeBusy.merge(top0 + (caller == null ? "" : "  ← " + caller), 1, Integer::sum);
                    }
                    break;
                case "jdk.JavaMonitorEnter":
                case "jdk.ThreadPark":
                    String where = firstOurs(frames);
                    // a pool thread parked without work in our code is idle, not contended
                    if (where != null || type.equals("jdk.JavaMonitorEnter") && !frames.isEmpty()) {
                        String what = type.equals("jdk.JavaMonitorEnter") ? "monitor " : "park ";
                        contention.merge(what + (where != null ? where : name(frames.get(0))),
                                e.getDuration().toMillis(), Long::sum);
                    }
                    break;
                case "jdk.CPULoad":
                    loads++;
                    jvmCpu += e.getFloat("jvmUser") + e.getFloat("jvmSystem");
                    machineCpu += e.getFloat("machineTotal");
                    break;
                case "jdk.GarbageCollection":
                    gcs++;
                    gcPause = gcPause.plus(e.getDuration("sumOfPauses"));
                    break;
                default:
                    break;
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(file.getFileName()).append(": ").append(cpu).append(" CPU samples in Java, ").append(nat)
                .append(" in native code (").append(idle).append(" of them idle waits); ").append(gcs)
                .append(" GCs, ").append(gcPause.toMillis()).append(" ms paused\n");
        if (loads > 0) {
            // If the machine is busy while this JVM is not, its threads were waiting for a CPU:
            // time JFR cannot attribute to any frame.
            b.append(String.format(Locale.ROOT, "  CPU load (mean of %d readings): this JVM %.0f%%, whole machine %.0f%%%n",
                    loads, 100 * jvmCpu / loads, 100 * machineCpu / loads));
        }
        section(b, "CPU, top frames (self)", self, cpu, top, "%");
        section(b, "CPU, first org.taskfs frame (self + callees)", ours, cpu, top, "%");
        section(b, "CPU by thread", threads, cpu, top, "%");
        section(b, "native, not idle (top native frame ← first taskfs caller), % of native samples",
                nativeBusy, nat, top, "%");
        Map<String, Integer> ms = new HashMap<>();
        contention.forEach((k, v) -> ms.put(k, (int) Math.min(Integer.MAX_VALUE, v)));
        section(b, "blocked on monitors / parked over the threshold (total ms)", ms, 0, Math.min(top, 8), "ms");
        return b.toString();
    }

    private static String firstOurs(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("org.taskfs.")) {
                return name(f);
            }
        }
        return null;
    }

    private static String thread(RecordedEvent e, String field) {
        Object t = e.hasField(field) ? e.getValue(field) : null;
        String n = t instanceof RecordedThread rt ? rt.getJavaName() : null;
        // styx-server-3-1 and styx-server-3-2 are the same kind of thread
        return n == null ? "?" : n.replaceAll("-\\d+$", "-N").replaceAll("(\\D)\\d+$", "$1N");
    }

    private static String name(RecordedFrame f) {
        String t = f.getMethod().getType().getName();
        return t.substring(t.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static void section(StringBuilder b, String title, Map<String, Integer> counts, int total, int top,
                                String unit) {
        if (counts.isEmpty()) {
            return;
        }
        b.append("  ").append(title).append(":\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(en -> b.append(unit.equals("%")
                        ? String.format(Locale.ROOT, "    %5.1f%%  %6d  %s%n", 100.0 * en.getValue() / Math.max(1, total),
                                en.getValue(), en.getKey())
                        : String.format(Locale.ROOT, "    %8d ms  %s%n", en.getValue(), en.getKey())));
    }
}
