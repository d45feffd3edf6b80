package org.taskfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;

/**
 * {@code taskfs generate-man DIR}: one roff man page per command, written from the command definitions
 * themselves (names, options, descriptions), so a new subcommand or option gets its page with no edit here.
 * Hidden, as it is for the build: the package's pages come from it.
 */
@Command(name = "generate-man", hidden = true, mixinStandardHelpOptions = true,
        description = "Write the man pages, taskfs.1 and one taskfs-COMMAND.1 per command, into DIR.")
final class ManPages implements Callable<Integer> {
    @CommandLine.Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Where to write the pages (made if missing).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        for (Path p : write(spec.root(), dir)) {
            spec.commandLine().getOut().println(p);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Writes the pages of {@code root} and every command under it that help shows; returns the files. */
    static List<Path> write(CommandSpec root, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (CommandSpec c : commands(root)) {
            Path p = dir.resolve(pageName(c) + ".1");
            Files.writeString(p, page(c), StandardCharsets.UTF_8);
            written.add(p);
        }
        return written;
    }

    /** {@code root} and, depth first, every subcommand not hidden from help. */
    static List<CommandSpec> commands(CommandSpec root) {
        List<CommandSpec> out = new ArrayList<>();
        out.add(root);
        for (CommandSpec c : visibleSubcommands(root)) {
            out.addAll(commands(c));
        }
        return out;
    }

    private static List<CommandSpec> visibleSubcommands(CommandSpec c) {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandLine sub : c.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            // An alias maps to the same spec again: one page per command.
            if (!s.usageMessage().hidden() && !out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** {@code taskfs} for the root, {@code taskfs-run} for {@code taskfs run}. */
    static String pageName(CommandSpec c) {
        return c.qualifiedName("-");
    }

    /** The roff source of {@code c}'s page. */
    static String page(CommandSpec c) {
        StringBuilder r = new StringBuilder();
        String[] version = c.root().version();
        String source = version.length > 0 ? plain(version[0]) : c.root().name();
        r.append(".TH ").append(quoted(pageName(c).toUpperCase(Locale.ROOT))).append(" 1 \"\" ")
                .append(quoted(source)).append(" \"User Commands\"\n");

        r.append(".SH NAME\n").append(escape(pageName(c))).append(" \\- ").append(escape(summary(c))).append('\n');

        r.append(".SH SYNOPSIS\n.nh\n.ad l\n").append(synopsis(c)).append("\n.ad\n.hy\n");

        List<String> description = description(c.usageMessage().description());
        if (!description.isEmpty()) {
            r.append(".SH DESCRIPTION\n");
            lines(r, description);
        }

        List<CommandSpec> subs = visibleSubcommands(c);
        if (!subs.isEmpty()) {
            r.append(".SH COMMANDS\n");
            for (CommandSpec s : subs) {
                r.append(".TP\n").append(bold(s.name())).append('\n').append(escape(summary(s))).append('\n');
            }
        }

        List<PositionalParamSpec> params = new ArrayList<>();
        for (PositionalParamSpec p : c.positionalParameters()) {
            if (!p.hidden()) {
                params.add(p);
            }
        }
        if (!params.isEmpty()) {
            r.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                r.append(".TP\n").append(italic(p.paramLabel()));
                if (p.arity().max() > 1) {
                    r.append("\\&...");
                }
                r.append('\n');
                lines(r, description(p.description()));
            }
        }

        List<OptionSpec> options = new ArrayList<>();
        for (OptionSpec o : c.options()) {
            if (!o.hidden()) {
                options.add(o);
            }
        }
        if (!options.isEmpty()) {
            r.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                r.append(".TP\n").append(optionHead(o)).append('\n');
                lines(r, description(o.description()));
            }
        }

        r.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        if (c.parent() != null) {
            see.add(pageName(c.parent()));
        }
        for (CommandSpec s : subs) {
            see.add(pageName(s));
        }
        for (int i = 0; i < see.size(); i++) {
            r.append(".BR ").append(escape(see.get(i))).append(" (1)").append(i + 1 < see.size() ? "," : "")
                    .append('\n');
        }
        return r.toString();
    }

    /**
     * Text made safe for roff: a backslash is printed as one ({@code \e}), a hyphen-minus is {@code \-} (so an
     * option such as {@code --listen} is not set with hyphens that do not paste back), and a line that would
     * begin with {@code .} or {@code '} (which roff reads as a request) starts with the zero-width {@code \&}.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        boolean lineStart = true;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (lineStart && (ch == '.' || ch == '\'')) {
                out.append("\\&");
            }
            switch (ch) {
                case '\\' -> out.append("\\e");
                case '-' -> out.append("\\-");
                default -> out.append(ch);
            }
            lineStart = ch == '\n';
        }
        return out.toString();
    }

    /** A .TH argument: escaped, its double quotes doubled, in quotes. */
    private static String quoted(String s) {
        return "\"" + escape(s).replace("\"", "\"\"") + "\"";
    }

    private static String bold(String s) {
        return "\\fB" + escape(s) + "\\fR";
    }

    private static String italic(String s) {
        return "\\fI" + escape(s) + "\\fR";
    }

    /** {@code \fB-a\fR, \fB--addr\fR=\fIADDR\fR}: every name, then the parameter if it takes one. */
    private static String optionHead(OptionSpec o) {
        StringBuilder h = new StringBuilder();
        for (String n : o.names()) {
            if (h.length() > 0) {
                h.append(", ");
            }
            h.append(bold(n));
        }
        if (o.arity().max() > 0) {
            h.append('=').append(italic(plain(o.paramLabel())));
            if (o.arity().max() > 1) {
                h.append("\\&...");
            }
        }
        return h.toString();
    }

    /** What picocli's help shows as the synopsis, in one line: roff fills it. */
    private static String synopsis(CommandSpec c) {
        CommandLine.Help help = new CommandLine.Help(c, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        String text = help.synopsis(0).strip().replaceAll("\\s+", " ");
        String name = c.qualifiedName(" ");
        if (text.startsWith(name)) {
            return bold(name) + escape(text.substring(name.length()));
        }
        return escape(text);
    }

    /** The NAME line's text: the first sentence of the description. */
    static String summary(CommandSpec c) {
        List<String> d = description(c.usageMessage().description());
        String first = d.isEmpty() ? "" : d.get(0).strip();
        int stop = first.indexOf(". ");
        if (stop > 0) {
            first = first.substring(0, stop);
        }
        return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
    }

    /**
     * Description lines as help prints them: picocli formats each one ({@code %n} is a line break) and strips
     * its markup; the lines of all the elements, in order.
     */
    private static List<String> description(String[] elements) {
        List<String> out = new ArrayList<>();
        for (String e : elements) {
            String formatted;
            try {
                formatted = String.format(e);
            } catch (IllegalFormatException ex) {
                formatted = e;
            }
            for (String line : plain(formatted).split("\\R", -1)) {
                out.add(line);
            }
        }
        while (!out.isEmpty() && out.get(0).isBlank()) {
            out.remove(0);
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** Each line its own output line (a break between them), a blank one a vertical space. */
    private static void lines(StringBuilder r, List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                r.append(".sp\n");
                continue;
            }
            if (i > 0 && !lines.get(i - 1).isBlank()) {
                r.append(".br\n");
            }
            r.append(escape(line.strip())).append('\n');
        }
    }

    /** Text without picocli's {@code @|bold …|@} markup. */
    private static String plain(String s) {
        return CommandLine.Help.Ansi.OFF.string(s);
    }
}
