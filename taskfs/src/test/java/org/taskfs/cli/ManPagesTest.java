package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** The man pages taskfs generate-man writes: one per command, from the definitions, valid roff. */
class ManPagesTest {
    @Test
    void escapeMakesHyphensBackslashesAndRequestCharactersLiteral() {
        assertThat(ManPages.escape("--listen tcp!h!6666")).isEqualTo("\\-\\-listen tcp!h!6666");
        assertThat(ManPages.escape("C:\\dir\\n")).isEqualTo("C:\\edir\\en");
        // Only at a line's start are . and ' requests; elsewhere they stay as they are.
        assertThat(ManPages.escape(".hidden\n'quoted\nmid.dle 'x'"))
                .isEqualTo("\\&.hidden\n\\&'quoted\nmid.dle 'x'");
    }

    @Test
    void everyCommandMainDeclaresHasAPageNamingAllItsOptions(@TempDir Path dir) throws IOException {
        CommandLine cl = Main.commandLine();

        ManPages.write(cl.getCommandSpec(), dir);

        // From whatever Main declares now: a subcommand added later gets its page with no change here.
        Map<String, CommandLine> visible = cl.getSubcommands().entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        List<String> expected = new ArrayList<>(List.of("taskfs.1"));
        visible.keySet().forEach(n -> expected.add("taskfs-" + n + ".1"));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(expected);
        }
        String root = Files.readString(dir.resolve("taskfs.1"));
        for (var e : visible.entrySet()) {
            String name = e.getKey();
            String page = Files.readString(dir.resolve("taskfs-" + name + ".1"));
            assertThat(page).startsWith(".TH \"TASKFS\\-" + ManPages.escape(name.toUpperCase()) + "\" 1 ")
                    .contains(".SH NAME\ntaskfs\\-" + ManPages.escape(name) + " \\- ")
                    .contains(".SH SYNOPSIS\n", ".SH SEE ALSO\n.BR taskfs (1)");
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                for (String optionName : o.names()) {
                    assertThat(page).as("taskfs-%s.1 names %s", name, optionName)
                            .contains("\\fB" + ManPages.escape(optionName) + "\\fR");
                }
            }
            assertThat(root).as("taskfs.1 lists %s", name)
                    .contains(".TP\n\\fB" + ManPages.escape(name) + "\\fR\n")
                    .contains(".BR taskfs\\-" + ManPages.escape(name) + " (1)");
        }
    }

    @Command(name = "demo", description = {".starts with a dot", "a back\\slash", "'starts with a quote"})
    static final class Demo {
        @Option(names = "--dry-run", description = ".also a dot, in an option")
        boolean dryRun;
    }

    @Test
    void groffPrintsEveryDescriptionLineAsWritten(@TempDir Path dir) throws Exception {
        Path groff = Path.of("/usr/bin/groff");
        assumeTrue(Files.isExecutable(groff), "groff (Debian: groff-base, which man-db needs) is not installed");
        Path page = dir.resolve("demo.1");
        Files.writeString(page, ManPages.page(new CommandLine(new Demo()).getCommandSpec()));

        Process p = new ProcessBuilder(groff.toString(), "-man", "-Tascii", "-ww", page.toString())
                .redirectErrorStream(true).start();
        String shown = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                .replaceAll(".\b", ""); // the overstrikes of bold
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // Unescaped, roff takes the first and last lines for (unknown) requests and drops them, and reads \s as
        // a size change.
        assertThat(shown).contains(".starts with a dot", "a back\\slash", "'starts with a quote",
                "--dry-run", ".also a dot, in an option").doesNotContain("warning");
        assertThat(p.exitValue()).isZero();
    }
}
