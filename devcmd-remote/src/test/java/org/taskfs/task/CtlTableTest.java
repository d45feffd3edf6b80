package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.server.StyxException;

class CtlTableTest {
    private final List<String> done = new ArrayList<>();
    private final CtlTable<List<String>> table = new CtlTable<List<String>>()
            .add("one", 1, 1, "one X", (to, c) -> record(to, c))
            .add("any", 0, -1, "any [X...]", (to, c) -> record(to, c));

    private static CompletableFuture<Void> record(List<String> to, CtlRequest c) {
        to.add(c.verb() + c.args());
        return CompletableFuture.completedFuture(null);
    }

    private static CtlRequest ctl(String s) {
        return CtlRequest.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aVerbGoesToItsHandlerWithItsArguments() {
        table.dispatch(done, ctl("one 'a b'\n"));
        table.dispatch(done, ctl("any"));
        table.dispatch(done, ctl("any 1 2 3 4 5"));
        assertThat(done).containsExactly("one[a b]", "any[]", "any[1, 2, 3, 4, 5]");
    }

    @Test
    void unknownVerbsAndWrongCountsGetDevcmdsTexts() {
        assertThatThrownBy(() -> table.dispatch(done, ctl("two x"))).isInstanceOf(StyxException.class)
                .hasMessage("unknown control message \"two x\"");
        assertThatThrownBy(() -> table.dispatch(done, ctl("one"))).hasMessage("wrong #args in control message \"one\"");
        assertThatThrownBy(() -> table.dispatch(done, ctl("one a b"))).hasMessage("wrong #args in control message \"one a b\"");
        assertThat(done).isEmpty();
    }

    @Test
    void usageListsTheVerbsInOrder() {
        assertThat(table.usage()).isEqualTo("one X\nany [X...]\n");
    }
}
