package org.taskfs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void quantilesInterpolateBetweenRanks() {
        Stats s = Stats.of(List.of(4.0, 1.0, 3.0, 2.0, 5.0));
        assertThat(s.median()).isEqualTo(3.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.max()).isEqualTo(5.0);
        assertThat(s.p10()).isEqualTo(1.4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Stats.of(List.of(7.0)).p99()).isEqualTo(7.0);
    }

    @Test
    void everyRowIsPrintedAndMissingFiguresSayWhy() {
        Samples s = Samples.parse(List.of(
                "SAMPLE launch.taskfs 8", "SAMPLE launch.taskfs 12", "SAMPLE launch.pdsh 20",
                "SAMPLE fanout64.taskfs 50", "SAMPLE fanout64.xargs 40",
                "META na.stream.fuse no FUSE front end in this build",
                "META stream.bytes 1073741824",
                "SAMPLE stream.kernel 30", "SAMPLE stream.kernel.diod 20", "META stream.kernel.diod.msize 65536",
                "META na.stream.kernel.1m no Linux guest: needs qemu-system-x86_64",
                "some line a peer printed",
                "SAMPLE heap.taskfs 42.5",
                "SAMPLE scale.flat.taskfs 900", "SAMPLE scale.pdsh 1200", "META scale.tasks 4096"));
        String table = Report.render(s);
        for (String row : List.of("1 launch p50", "1 launch p99", "2 fan-out 64", "2 fan-out 256", "2 CLI run 64",
                "3 sustained", "4 streaming", "5 small RPC", "6 idle sessions", "7 scale")) {
            assertThat(table).contains("| " + row + " |");
        }
        assertThat(table).contains("n/a (no FUSE front end in this build)");
        assertThat(table).contains("1 GiB");
        // the kernel's read through the coordinator against diod through the same kernel: 30 / 20
        assertThat(table).contains("v9fs, 9P2000.L, msize 128 KiB").contains("(msize 64 KiB)").contains("1.50×")
                .contains("n/a (no Linux guest: needs qemu-system-x86_64)");
        // launch p50 of 8 and 12 is 10 ms: at the goal; 10 / 20 = 0.5
        assertThat(table).contains("10.0 ms (8.00–12.0; n=2)").contains("0.50×").contains("p50 ≤ 10 ms: met");
        // 50 / 40 = 1.25 > 1.2
        assertThat(table).contains("≤ 1.2 × xargs: **missed**");
        assertThat(table).contains("≤ 100 MB: met");
        // 900 / 1200 = 0.75: the flat coordinator beats pdsh over 4,096 true; the tree has no figure
        assertThat(table).contains("`res 4096`").contains("0.75×").contains("≤ pdsh -f 256: met")
                .contains("≤ pdsh -f 256: not judged");
        assertThat(Report.missing(s)).contains("rate.taskfs", "stream.coord").contains("scale.tree.taskfs", "scale.flat.heap")
                .doesNotContain("stream.fuse", "launch.taskfs", "scale.flat.taskfs", "stream.kernel", "stream.kernel.1m");
    }

    @Test
    void numbersKeepAFewSignificantDigits() {
        assertThat(Report.fmt(35_210.4)).isEqualTo("35,210");
        assertThat(Report.fmt(812.3)).isEqualTo("812");
        assertThat(Report.fmt(12.34)).isEqualTo("12.3");
        assertThat(Report.fmt(1.234)).isEqualTo("1.23");
        assertThat(Report.fmt(9.996)).isEqualTo("10.0");
    }
}
