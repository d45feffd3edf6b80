package org.taskfs.styx.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.taskfs.styx.util.PlanNineQuoting.quote;
import static org.taskfs.styx.util.PlanNineQuoting.tokenize;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlanNineQuotingTest {

    @Test
    void plainWordsAreLeftAlone() {
        assertThat(quote("hostname")).isEqualTo("hostname");
        assertThat(quote("killed")).isEqualTo("killed");
        assertThat(quote("/home/x/inferno/")).isEqualTo("/home/x/inferno/");
    }

    @Test
    void emptyBlanksAndQuotesAreQuoted() {
        assertThat(quote("")).isEqualTo("''");
        assertThat(quote("a b")).isEqualTo("'a b'");
        assertThat(quote("exit: 3")).isEqualTo("'exit: 3'");
        assertThat(quote("it's")).isEqualTo("'it''s'");
        assertThat(quote("'")).isEqualTo("''''");
        assertThat(quote("tab\there")).isEqualTo("'tab\there'");
        assertThat(quote("line\n")).isEqualTo("'line\n'");
    }

    @Test
    void tokenizeSplitsOnRunsOfBlanks() {
        assertThat(tokenize("  exec  ls\t-l\r\n")).containsExactly("exec", "ls", "-l");
        assertThat(tokenize("")).isEmpty();
        assertThat(tokenize(" \t\n")).isEmpty();
    }

    @Test
    void tokenizeHonoursQuotes() {
        assertThat(tokenize("exec sh -c 'echo a b'")).containsExactly("exec", "sh", "-c", "echo a b");
        assertThat(tokenize("a'b c'd")).containsExactly("ab cd");
        assertThat(tokenize("'it''s' x")).containsExactly("it's", "x");
        assertThat(tokenize("'' x ''")).containsExactly("", "x", "");
        assertThat(tokenize("a''b")).containsExactly("ab");
        assertThat(tokenize("'unterminated  quote")).containsExactly("unterminated  quote");
    }

    @Test
    void quoteThenTokenizeRoundTrips() {
        List<String> words = List.of("", "plain", "two words", "it's", "''", "tab\tand\nnewline", "'lead", "trail'", "é ü");
        StringBuilder line = new StringBuilder();
        for (String w : words) {
            line.append(quote(w)).append(' ');
        }
        assertThat(tokenize(line.toString())).isEqualTo(words);
    }

    @Test
    void waitLinesParseIntoFiveFields() {
        assertThat(tokenize("4244 0 0 2 'exit: 3'\n")).containsExactly("4244", "0", "0", "2", "exit: 3");
        assertThat(tokenize("4242 0 1 3 ''\n")).containsExactly("4242", "0", "1", "3", "");
    }
}
