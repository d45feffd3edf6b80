package org.taskfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Qid;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.StyxWire;
import org.taskfs.styx.codec.Tmessage;

/** What the relay changes in a message on its way, and what it leaves alone. */
class RelayedTest {
    @Test
    void clientFidsMoveOutOfTheRelaysOwnRangeAndBack() {
        assertThat(Relayed.upstreamFid(0)).isEqualTo(0x4000_0000);
        assertThat(Relayed.upstreamFid(7)).isEqualTo(0x4000_0007);
        assertThat(Relayed.upstreamFid(Relayed.upstreamFid(12345))).isEqualTo(12345);
        assertThat(Relayed.upstreamFid(P9.NOFID)).isEqualTo(P9.NOFID);
    }

    @Test
    void anAttachIsMadeAsTheRelaysUserWithoutAnAfid() {
        Tmessage up = Relayed.upstream(new Tmessage.Attach(3, 0, 9, "nobody", "tree"), 41, "alice");

        assertThat(up).isEqualTo(new Tmessage.Attach(41, 0x4000_0000, P9.NOFID, "alice", "tree"));
    }

    @Test
    void otherRequestsChangeOnlyTagAndFids() {
        assertThat(Relayed.upstream(new Tmessage.Walk(1, 0, 1, List.of("0", "ctl")), 5, "alice"))
                .isEqualTo(new Tmessage.Walk(5, 0x4000_0000, 0x4000_0001, List.of("0", "ctl")));
        assertThat(Relayed.upstream(new Tmessage.Read(1, 2, 1L << 40, 8192), 6, "alice"))
                .isEqualTo(new Tmessage.Read(6, 0x4000_0002, 1L << 40, 8192));
        assertThat(Relayed.upstream(new Tmessage.Clunk(1, 2), 7, "alice")).isEqualTo(new Tmessage.Clunk(7, 0x4000_0002));
    }

    @Test
    void onlyReadsAndWritesMayBlock() {
        assertThat(Relayed.mayBlock(new Tmessage.Read(1, 2, 0, 10))).isTrue();
        assertThat(Relayed.mayBlock(new Tmessage.Write(1, 2, 0, new byte[1]))).isTrue();
        assertThat(Relayed.mayBlock(new Tmessage.Walk(1, 0, 1, List.of("x")))).isFalse();
        assertThat(Relayed.mayBlock(new Tmessage.Clunk(1, 2))).isFalse();
    }

    @Test
    void aReplyGoesBackByteForByteUnderTheClientsTag() {
        Rmessage r = new Rmessage.Open(17, new Qid(0, 1, 99), 8168);

        ByteBuf frame = Relayed.downstream(r, 4242, UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(StyxWire.decode(frame)).isEqualTo(new Rmessage.Open(4242, new Qid(0, 1, 99), 8168));
        } finally {
            frame.release();
        }
    }
}
