package org.taskfs.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs this program again, as another process: this JVM, its settings, its classes. */
final class SelfCommand {
    private SelfCommand() {}

    /** {@code java [JVM settings] -cp CLASSPATH org.taskfs.cli.Main ARGS…} */
    static List<String> of(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // JVM settings carry over; a debugger's or agent's would clash with ours.
            if (!a.startsWith("-agentlib:") && !a.startsWith("-javaagent:") && !a.startsWith("-Xrunjdwp")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }
}
