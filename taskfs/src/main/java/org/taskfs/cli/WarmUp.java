package org.taskfs.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.taskfs.node.NodeDaemon;
import org.taskfs.styx.dial.DialAddress;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code taskfs warm-up}: runs each one-shot client command once against a private node daemon on loopback, so
 * that a JVM started with {@code -XX:ArchiveClassesAtExit} records the classes a one-shot call loads. The
 * launcher maps that archive into every later one-shot call (class-data sharing), which then starts without
 * reading and verifying those classes again. Hidden: the build and the package run it, not users.
 */
@Command(name = "warm-up", hidden = true, mixinStandardHelpOptions = true,
        description = "Run the client commands once against a private node (for the class-data archive).")
final class WarmUp implements Callable<Integer> {
    /** What a user's one-shot calls do, in the order a session goes; SESSION is what {@code cat clone} gave. */
    static final List<List<String>> CALLS = List.of(
            List.of("cat", "clone"),
            List.of("ls", "/"),
            List.of("stat", "/SESSION/ctl"),
            List.of("write", "/SESSION/ctl", "release"),
            List.of("run", "-n", "1", "--", "true"),
            List.of("ps"));

    @Override
    public Integer call() {
        // The commands print to System.out: kept here, to find the session and to say what failed.
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            return calls(printed);
        } finally {
            System.setOut(stdout);
        }
    }

    private static int calls(ByteArrayOutputStream printed) {
        try (NodeDaemon node = NodeDaemon.start(NodeDaemon.Config.defaults(DialAddress.tcp("127.0.0.1", 0))
                .withSlots(1))) {
            String addr = node.address().toString();
            String session = null;
            for (List<String> call : CALLS) {
                printed.reset();
                StringWriter out = new StringWriter();
                CommandLine cl = Main.commandLine(call.get(0)).setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(out));
                String[] args = new String[call.size() + 2];
                args[0] = call.get(0);
                args[1] = "-a";
                args[2] = addr;
                for (int i = 1; i < call.size(); i++) {
                    args[i + 2] = session == null ? call.get(i) : call.get(i).replace("SESSION", session);
                }
                int code = cl.execute(args);
                if (code != 0) {
                    System.err.println("taskfs warm-up: taskfs " + String.join(" ", args) + " exited " + code
                            + ": " + out.toString().strip() + " " + printed.toString(StandardCharsets.UTF_8).strip());
                    return 1;
                }
                if (session == null) {
                    session = printed.toString(StandardCharsets.UTF_8).strip();
                }
            }
        }
        return 0;
    }
}
