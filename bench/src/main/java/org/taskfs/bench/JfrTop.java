package org.taskfs.bench;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording's CPU samples: the methods most often on top of the stack (self
 * time), the first taskfs method under each sample (where our code spends, including what it
 * calls), and the busiest threads. Enough to say where the time goes without a GUI.
 */
public final class JfrTop {
    private JfrTop() {}

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
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = st.getFrames();
            String state = type.equals("jdk.NativeMethodSample") ? " [native, waiting]" : "";
            self.merge(name(frames.get(0)) + state, 1, Integer::sum);
            for (RecordedFrame f : frames) {
                if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("org.taskfs.")) {
                    ours.merge(name(f) + state, 1, Integer::sum);
                    break;
                }
            }
            Object thread = e.hasField("sampledThread") ? e.getValue("sampledThread") : null;
            String tn = thread instanceof jdk.jfr.consumer.RecordedThread t ? t.getJavaName() : "?";
            threads.merge(tn == null ? "?" : tn.replaceAll("-\\d+$", "-N").replaceAll("\\d+$", "N"), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        b.append(file.getFileName()).append(": ").append(total).append(" samples (execution + native)\n");
        section(b, "top frames (self)", self, total, top);
        section(b, "first org.taskfs frame", ours, total, top);
        section(b, "threads", threads, total, top);
        return b.toString();
    }

    private static String name(RecordedFrame f) {
        String t = f.getMethod().getType().getName();
        return t.substring(t.lastIndexOf('.') + 1) + "." + f.getMethod().getName()
                + (f.isJavaFrame() ? "" : " (native)");
    }

    private static void section(StringBuilder b, String title, Map<String, Integer> counts, int total, int top) {
        b.append("  ").append(title).append(":\n");
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(en -> sorted.put(en.getKey(), en.getValue()));
        sorted.forEach((k, v) -> b.append(String.format(Locale.ROOT, "    %5.1f%%  %6d  %s%n",
                100.0 * v / Math.max(1, total), v, k)));
    }
}
