package org.taskfs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
    void jfrSummaryNamesTheHotMethods(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            r.start();
            long end = System.nanoTime() + 300_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            assertThat(x).isPositive();
            r.stop();
            r.dump(file);
        }
        assertThat(Files.size(file)).isPositive();
        String summary = JfrTop.summarise(file, 5);
        assertThat(summary).contains("samples").contains("top frames (self)").contains("threads");
    }
}
