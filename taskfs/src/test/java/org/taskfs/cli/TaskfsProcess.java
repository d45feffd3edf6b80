package org.taskfs.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code taskfs ARGS} in a JVM of its own, as an operator starts it, its stdout and stderr read together
 * as they come. {@code prefix} runs it through another command first ({@code runuser -u USER --}).
 */
final class TaskfsProcess implements AutoCloseable {
    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private TaskfsProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::drain, "taskfs-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    static TaskfsProcess start(String... args) throws IOException {
        return start(List.of(), System.getProperty("java.class.path"), Map.of(), args);
    }

    static TaskfsProcess start(List<String> prefix, String classpath, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-cp", classpath, Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return new TaskfsProcess(pb.start());
    }

    private void drain() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (output) {
                    output.append(line).append('\n');
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** The first match of {@code p} in what the process has printed, waiting for it as long as {@code atMost}. */
    Matcher await(Pattern p, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            boolean ended = !reader.isAlive(); // checked first: what it read before ending is in output
            synchronized (output) {
                Matcher m = p.matcher(output);
                if (m.find()) {
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended) {
                    throw new AssertionError("no " + p + " from taskfs " + (ended ? "before it exited"
                            : "within " + atMost) + "; it said:\n" + output);
                }
                output.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
            }
        }
    }

    /** Waits for the exit, then for the last of the output. */
    int waitFor(Duration atMost) throws InterruptedException {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("taskfs did not exit within " + atMost + "; it said:\n" + output());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10)); // the last of the output
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** SIGTERM, as Ctrl-C or a service manager would stop it; SIGKILL if that does not do. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
