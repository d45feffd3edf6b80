package org.taskfs.cli;

import java.io.PrintWriter;
import org.taskfs.styx.util.Failures;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code taskfs} command. */
@Command(name = "taskfs",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A cluster driven with cat and echo: a job-orchestration file system served over 9P2000.",
        subcommands = {
            UpCommand.class,
            ServeCommand.class,
            NodeCommand.class,
            MountCommand.class,
            UmountCommand.class,
            ClientCommands.Ls.class,
            ClientCommands.Cat.class,
            ClientCommands.Write.class,
            ClientCommands.Stat.class,
            RunCommand.class,
            RelayCommand.class,
            CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: one-line errors, exit 1 on failure and 2 on bad usage. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("taskfs: " + Failures.text(e));
            err.flush();
            if (System.getenv("TASKFS_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return CommandLine.ExitCode.SOFTWARE;
        });
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cl;
    }

    /** Version from the jar manifest (set at build) and the Java running it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"taskfs " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " " + System.getProperty("java.vm.name")};
        }
    }
}
