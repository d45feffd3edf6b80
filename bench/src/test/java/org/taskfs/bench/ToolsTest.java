package org.taskfs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskfs.bench.jmh.CodecBench;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/** The JMH benchmark bodies and the JFR summariser, run once each. */
class ToolsTest {

    @Test
    void codecBenchmarksEncodeAndDecodeWhatTheyClaim() {
        CodecBench b = new CodecBench();
        b.setup();
        try {
            assertThat(b.encodeTread()).isEqualTo(StyxWire.size(b.tread));
            assertThat(b.encodeRread64k()).isEqualTo(StyxWire.size(b.rread));
            assertThat(b.encodeTwalk3()).isEqualTo(StyxWire.size(b.twalk));
            assertThat(b.decodeTread()).isEqualTo(b.tread);
            assertThat(b.decodeTwalk3()).isEqualTo(b.twalk);
            assertThat(((Rmessage.Read) b.decodeRread64k()).data()).hasSize(64 * 1024);
            // decoding twice reads the same frame again
            assertThat(b.decodeTread()).isInstanceOf(Tmessage.Read.class);
        } finally {
            b.tearDown();
        }
    }

    @Test
    void jfrSummaryReadsARecording(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            r.enable("jdk.GarbageCollection");
            r.start();
            long end = System.nanoTime() + 200_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            System.gc();
            assertThat(x).isPositive();
            r.stop();
            r.dump(file);
        }
        String summary = JfrTop.summarise(file, 5);
        // Whether the sampler caught this thread depends on the machine; the GC is certain.
        assertThat(summary).startsWith("x.jfr: ").contains("CPU samples in Java").doesNotContain(" 0 GCs");
        if (!summary.contains(" 0 CPU samples")) {
            assertThat(summary).contains("CPU, top frames (self)").contains("CPU by thread");
        }
    }
}
