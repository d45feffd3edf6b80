package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.server.StyxException;

class SessionInfoTest {

    @Test
    void aLineReadsBackAsItWasWritten() {
        SessionInfo i = new SessionInfo(3, "alice", 125, 3, 4, 0, 2, 1, 1, 0, 2, SessionInfo.Held.CONN, false,
                List.of("n1", "n2"));
        assertThat(i.line()).isEqualTo("3 alice age=125 idle=3 tasks=4 closed=0 running=2 done=1 failed=1 lost=0 "
                + "files=2 held=conn killonclose=no nodes=n1,n2\n");
        assertThat(SessionInfo.parse(i.line())).containsExactly(i);
    }

    @Test
    void anOwnerWithASpaceIsQuotedAndNoNodesIsAnEmptyValue() {
        SessionInfo i = new SessionInfo(0, "a b", 0, 0, 0, 0, 0, 0, 0, 0, 0, SessionInfo.Held.ORPHAN, true, List.of());
        assertThat(i.line()).startsWith("0 'a b' ").endsWith(" held=orphan killonclose=yes nodes=\n");
        assertThat(SessionInfo.parse(i.line())).containsExactly(i);
    }

    @Test
    void keysItDoesNotKnowAreIgnoredSoALaterServerBreaksNoReader() {
        List<SessionInfo> read = SessionInfo.parse("7 bob tasks=1 done=1 gpus=2 nodes=local\n");
        assertThat(read).singleElement().satisfies(i -> {
            assertThat(i.id()).isEqualTo(7);
            assertThat(i.tasks()).isEqualTo(1);
            assertThat(i.done()).isEqualTo(1);
            assertThat(i.nodes()).containsExactly("local");
        });
    }

    @Test
    void aLineThatIsNotASessionLineIsRefusedNamingIt() {
        assertThatThrownBy(() -> SessionInfo.parse("mount tcp!a!6666 a slots=4 busy=1 state=up\n"))
                .isInstanceOf(StyxException.class).hasMessageContaining("\"mount tcp!a!6666 a slots=4");
        assertThatThrownBy(() -> SessionInfo.parse("3 alice tasks=many\n"))
                .hasMessageContaining("not a session line: \"3 alice tasks=many\"");
    }
}
