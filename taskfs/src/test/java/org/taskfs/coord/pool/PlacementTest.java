package org.taskfs.coord.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.dial.DialAddress;
import org.taskfs.styx.server.StyxException;

class PlacementTest {
    private static final Member A = member("a");
    private static final Member B = member("b");
    private static final Member C = member("c");

    private static Member member(String name) {
        return new Member(name, DialAddress.tcp("127.0.0.1", 1), null);
    }

    private static Map<Member, Integer> plan(int n, int a, int b, int c) {
        return Placement.plan(List.of(new Placement.Candidate(A, a), new Placement.Candidate(B, b),
                new Placement.Candidate(C, c)), n, "Linux amd64");
    }

    @Test
    void tasksSpreadOneToEachBeforeAnyGetsASecond() {
        assertThat(plan(3, 8, 8, 8)).containsExactly(Map.entry(A, 1), Map.entry(B, 1), Map.entry(C, 1));
        assertThat(plan(4, 8, 8, 8)).containsExactly(Map.entry(A, 2), Map.entry(B, 1), Map.entry(C, 1));
    }

    @Test
    void theLeastBusyGoFirst() {
        assertThat(plan(1, 2, 5, 3)).containsExactly(Map.entry(B, 1));
        assertThat(plan(2, 2, 5, 3)).containsExactly(Map.entry(B, 1), Map.entry(C, 1));
    }

    @Test
    void fullMembersGetNothingAndTheRestTakeTheirShare() {
        assertThat(plan(5, 0, 1, 8)).containsExactly(Map.entry(B, 1), Map.entry(C, 4));
        assertThat(plan(9, 0, 1, 8)).containsExactly(Map.entry(B, 1), Map.entry(C, 8));
    }

    @Test
    void moreThanTheFreeSlotsIsRefusedNamingTheShortfall() {
        assertThatThrownBy(() -> plan(10, 0, 1, 8)).isInstanceOf(StyxException.class)
                .hasMessage("res: not enough capacity: asked 10, 9 free slots (Linux amd64)");
        assertThatThrownBy(() -> plan(2, 0, 1, -3)).hasMessage("res: not enough capacity: asked 2, 1 free slot (Linux amd64)");
    }
}
