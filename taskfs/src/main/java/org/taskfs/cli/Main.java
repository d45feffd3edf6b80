package org.taskfs.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.taskfs.styx.util.Failures;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code taskfs} command. */
@Command(name = "taskfs",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A cluster driven with cat and echo: a job-orchestration file system served over 9P2000.")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        String[] hoisted = hoistClientOptions(args);
        System.exit(commandLine(hoisted.length > 0 ? hoisted[0] : null).execute(hoisted));
    }

    /** The commands that talk to a server as a client, and so take {@code -a ADDR} and {@code --auth}. */
    private static final Map<String, Class<?>> CLIENTS = Map.of("ls", ClientCommands.Ls.class,
            "cat", ClientCommands.Cat.class, "write", ClientCommands.Write.class, "stat", ClientCommands.Stat.class,
            "run", RunCommand.class, "ps", PsCommand.Ps.class, "top", PsCommand.Top.class);

    /** Every command, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(UpCommand.class, ServeCommand.class, NodeCommand.class,
            MountCommand.class, UmountCommand.class, ClientCommands.Ls.class, ClientCommands.Cat.class,
            ClientCommands.Write.class, ClientCommands.Stat.class, RunCommand.class, PsCommand.Ps.class,
            PsCommand.Top.class, RelayCommand.class, CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class);

    /**
     * {@code taskfs -a ADDR cat PATH} as plan9port's {@code 9p -a ADDR cat PATH} has it: the server options
     * given before a client command are moved after its name, where that command reads them.
     */
    static String[] hoistClientOptions(String[] args) {
        List<String> before = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if ((a.equals("-a") || a.equals("--addr") || a.equals("--auth")) && i + 1 < args.length) {
                before.add(a);
                before.add(args[i + 1]);
                i += 2;
            } else if (a.startsWith("--addr=") || a.startsWith("--auth=") || (a.startsWith("-a") && a.length() > 2)) {
                before.add(a);
                i++;
            } else {
                break;
            }
        }
        if (before.isEmpty() || i >= args.length || !CLIENTS.containsKey(args[i])) {
            return args;
        }
        List<String> out = new ArrayList<>();
        out.add(args[i]);
        out.addAll(before);
        out.addAll(List.of(args).subList(i + 1, args.length));
        return out.toArray(new String[0]);
    }

    /** The configured command line: one-line errors, exit 1 on failure (or the command's own code), 2 on bad usage. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line for a call whose first word is {@code first}: a client command gets a tree of itself
     * alone, as picocli builds the model of every command it is given, and the server commands' many options
     * cost a one-shot {@code taskfs cat} a third of its start-up. Anything else gets every command.
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> client = first == null ? null : CLIENTS.get(first);
        for (Class<?> c : client != null ? List.<Class<?>>of(client) : COMMANDS) {
            cl.addSubcommand(c);
        }
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("taskfs: " + withFix(Failures.text(e)));
            err.flush();
            if (System.getenv("TASKFS_DEBUG") != null) {
                e.printStackTrace(err);
            }
            // A command may say what its own failures exit with (run: 255, as ssh).
            return e instanceof CommandLine.IExitCodeGenerator g ? g.getExitCode() : CommandLine.ExitCode.SOFTWARE;
        });
        if (client == null) {
            cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
            // Hidden, for the build: the package's man pages, from these same definitions.
            cl.addSubcommand("generate-man", new ManPages());
            cl.addSubcommand("warm-up", new WarmUp());
        }
        CommandLine write = cl.getSubcommands().get("write");
        if (write != null) {
            // After PATH, write's words are the text, as echo's: "exec ls -l" is not write's -l, "-h" not its help.
            write.setStopAtPositional(true);
        }
        return cl;
    }

    /**
     * A failure's text with what to do about it, where the system's words alone leave a new user guessing.
     * The cases are the system's own words, so this one table serves every command.
     */
    static String withFix(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        if (t.contains("connection refused")) {
            return text + " (nothing listens there: is taskfs up or taskfs serve running? Give its address with "
                    + "-a ADDR or $TASKFS_ADDR)";
        }
        if (t.contains("address already in use")) {
            return text + " (another process listens there: stop it, or choose another address: --listen ADDR, and for"
                    + " the nodes of taskfs up --node-port PORT)";
        }
        return text;
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
