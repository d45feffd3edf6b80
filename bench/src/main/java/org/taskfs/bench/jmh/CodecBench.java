package org.taskfs.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.taskfs.styx.codec.Message;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/**
 * The codec's hot path: encode and decode, through {@link StyxWire}, of the messages that dominate
 * traffic: Tread (every read), Rread with 64 KiB of data (streaming), Twalk of three names (every
 * path operation). Encoding writes into one reused pooled buffer, as the Netty encoder does;
 * decoding reads a prepared frame from its start each time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBench {
    public final Tmessage.Read tread = new Tmessage.Read(1, 42, 1L << 20, 65_512);
    public final Rmessage.Read rread = new Rmessage.Read(1, new byte[64 * 1024]);
    public final Tmessage.Walk twalk = new Tmessage.Walk(1, 1, 2, List.of("17", "3", "stdout"));

    private ByteBuf out;
    private ByteBuf treadFrame;
    private ByteBuf rreadFrame;
    private ByteBuf twalkFrame;

    @Setup(Level.Trial)
    public void setup() {
        out = PooledByteBufAllocator.DEFAULT.directBuffer(128 * 1024);
        treadFrame = frame(tread);
        rreadFrame = frame(rread);
        twalkFrame = frame(twalk);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        out.release();
        treadFrame.release();
        rreadFrame.release();
        twalkFrame.release();
    }

    private static ByteBuf frame(Message m) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(StyxWire.size(m));
        StyxWire.encode(m, b);
        return b;
    }

    private int encode(Message m) {
        out.clear();
        StyxWire.encode(m, out);
        return out.writerIndex();
    }

    private static Message decode(ByteBuf frame) {
        return StyxWire.decode(frame.readerIndex(0));
    }

    @Benchmark
    public int encodeTread() {
        return encode(tread);
    }

    @Benchmark
    public Message decodeTread() {
        return decode(treadFrame);
    }

    @Benchmark
    public int encodeRread64k() {
        return encode(rread);
    }

    @Benchmark
    public Message decodeRread64k() {
        return decode(rreadFrame);
    }

    @Benchmark
    public int encodeTwalk3() {
        return encode(twalk);
    }

    @Benchmark
    public Message decodeTwalk3() {
        return decode(twalkFrame);
    }
}
