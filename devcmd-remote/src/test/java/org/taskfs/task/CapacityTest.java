package org.taskfs.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.server.StyxException;

class CapacityTest {

    @Test
    void aLineReadsBackAsItWasWritten() {
        Capacity c = new Capacity("tcp!10.0.0.5!6666", "n1", 8, 3, Capacity.State.DRAINING);
        assertThat(c.line()).isEqualTo("mount tcp!10.0.0.5!6666 n1 slots=8 busy=3 state=draining\n");
        assertThat(Capacity.parse(c.line())).containsExactly(c);
    }

    @Test
    void aDrainReasonIsQuotedAfterTheStateAndReadBack() {
        Capacity c = new Capacity("tcp!n1!6666", "n1", 8, 0, Capacity.State.DRAINING, "disk 'sda' failing");
        assertThat(c.line())
                .isEqualTo("mount tcp!n1!6666 n1 slots=8 busy=0 state=draining reason='disk ''sda'' failing'\n");
        assertThat(Capacity.parse(c.line())).containsExactly(c);
        // Words a reader does not know are passed over, as in sessions lines.
        assertThat(Capacity.parse("mount a b slots=4 busy=1 state=up since=3 reason=x\n"))
                .containsExactly(new Capacity("a", "b", 4, 1, Capacity.State.UP, "x"));
        assertThat(new Capacity("a", "b", 4, 1, Capacity.State.UP, "").line()).doesNotContain("reason");
    }

    @Test
    void theTotalCountsOnlyWhatIsUp() {
        List<Capacity> pool = Capacity.parse("""
                mount tcp!a!6666 a slots=4 busy=1 state=up
                mount tcp!b!6666 b slots=4 busy=4 state=down
                mount tcp!c!5555 c slots=16 busy=2 state=up

                mount tcp!d!6666 d slots=2 busy=0 state=draining
                mount tcp!e!6666 e slots=8 busy=0 state=unreachable
                """);
        assertThat(pool).hasSize(5);
        Capacity total = Capacity.total("tcp!top!5555", "top", pool);
        assertThat(total.slots()).isEqualTo(20);
        assertThat(total.busy()).isEqualTo(3);
        assertThat(total.free()).isEqualTo(17);
    }

    @Test
    void freeIsNeverNegativeAndNothingWhenNotUp() {
        assertThat(new Capacity("a", "a", 2, 5, Capacity.State.UP).free()).isZero();
        assertThat(new Capacity("a", "a", 8, 0, Capacity.State.DRAINING).free()).isZero();
        assertThat(new Capacity("a", "a", 8, 0, Capacity.State.UNREACHABLE).free()).isZero();
    }

    @Test
    void anythingElseIsAnErrorNamingTheLine() {
        for (String bad : List.of("local slots=4 busy=0", "mount a b slots=x busy=0 state=up",
                "mount a b slots=4 busy=-1 state=up", "mount a b slots=4 busy=0 state=gone",
                "mount a b busy=0 slots=4 state=up", "mount a b slots=4 busy=0",
                "mount a b slots=4 busy=0 state=up garbage")) {
            assertThatThrownBy(() -> Capacity.parse(bad)).isInstanceOf(StyxException.class)
                    .hasMessage("ns: not a capacity line: \"" + bad
                            + "\"; expected mount ADDR NAME slots=K busy=B state=up|down|draining|unreachable");
        }
    }
}
