package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.codec.Rmessage;
import org.taskfs.styx.codec.Tmessage;
import org.taskfs.styx.server.TestNodes.Directory;
import org.taskfs.styx.server.TestNodes.PendingRead;
import org.taskfs.styx.server.TestNodes.ProbeFile;
import org.taskfs.styx.server.TestNodes.TestFs;

/**
 * Under load every request is answered once: by its reply, or, if flushed first, by nothing, its
 * flush being answered instead (flush(5)). Never twice, never after its Rflush.
 */
class ExactlyOnceTest extends ServerTestBase {
    private static final int READS = 2000;
    private static final int FLUSH_TAG_BASE = 10000;

    private final Directory root = new Directory("/", 0777);
    private final ProbeFile slow = root.add(new ProbeFile("slow"));
    private final ProbeFile stubborn = root.add(new ProbeFile("stubborn"));
    private final TestFs fs = new TestFs(root);

    {
        slow.blockReads = true;
        stubborn.blockReads = true;
        stubborn.stubborn = true;
    }

    private static byte[] answerFor(long offset) {
        return ByteBuffer.allocate(8).putLong(offset).array();
    }

    /** Completes a random share of the reads waiting so far, from the test thread. */
    private static void completeSome(List<PendingRead> waiting, ProbeFile f, Random random, double share) {
        for (PendingRead p; (p = f.pending.poll()) != null; ) {
            waiting.add(p);
        }
        Collections.shuffle(waiting, random);
        int n = (int) (waiting.size() * share);
        for (int i = 0; i < n; i++) {
            PendingRead p = waiting.remove(waiting.size() - 1);
            p.future().complete(answerFor(p.offset()));
        }
    }

    @Test
    void everyTagIsAnsweredExactlyOnceUnderPipelinedReadsAndRandomFlushes() {
        Random random = new Random(20240501);
        RawStyx c = connect(serve(fs, ServerOptions.DEFAULTS.withMaxOutstanding(4 * READS))).session();
        c.walkOpen(1, P9.OREAD, "slow");
        c.walkOpen(2, P9.OREAD, "stubborn");

        Map<Integer, Integer> flushOf = new HashMap<>(); // flush tag -> read tag it flushes
        List<PendingRead> waitingSlow = new ArrayList<>();
        List<PendingRead> waitingStubborn = new ArrayList<>();
        int flushTag = FLUSH_TAG_BASE;
        for (int tag = 0; tag < READS; tag++) {
            // The offset names the tag, so each reply can be checked against its request.
            c.queue(new Tmessage.Read(tag, tag % 2 == 0 ? 1 : 2, tag, 8));
            if (tag > 0 && random.nextInt(4) == 0) {
                int victim = random.nextInt(tag);
                flushOf.put(flushTag, victim);
                c.queue(new Tmessage.Flush(flushTag++, victim));
            }
            if (tag % 100 == 99) {
                c.flushQueued();
                completeSome(waitingSlow, slow, random, 0.5);
                completeSome(waitingStubborn, stubborn, random, 0.5);
            }
        }
        c.flushQueued();
        await().until(() -> slow.allPending.size() + stubborn.allPending.size() == READS);
        completeSome(waitingSlow, slow, random, 1.0);
        completeSome(waitingStubborn, stubborn, random, 1.0);

        // Every node future is complete now, so every reply owed will come; read until all have.
        Set<Integer> readsOwed = new HashSet<>();
        for (int tag = 0; tag < READS; tag++) {
            readsOwed.add(tag);
        }
        Set<Integer> flushesOwed = new HashSet<>(flushOf.keySet());
        Map<Integer, Integer> replies = new HashMap<>();
        Set<Integer> flushedWithoutReply = new HashSet<>();
        while (!readsOwed.isEmpty() || !flushesOwed.isEmpty()) {
            Rmessage r = c.receive();
            assertThat(replies.merge(r.tag(), 1, Integer::sum)).as("replies to tag %d", r.tag()).isEqualTo(1);
            if (r.tag() >= FLUSH_TAG_BASE) {
                assertThat(r).isEqualTo(new Rmessage.Flush(r.tag()));
                flushesOwed.remove(r.tag());
                int victim = flushOf.get(r.tag());
                if (readsOwed.remove(victim)) {
                    flushedWithoutReply.add(victim); // its Rflush came first: it must never be answered
                }
            } else {
                assertThat(r).as("reply to read %d", r.tag()).isEqualTo(new Rmessage.Read(r.tag(), answerFor(r.tag())));
                assertThat(flushedWithoutReply).as("no reply after its Rflush").doesNotContain(r.tag());
                readsOwed.remove(r.tag());
            }
        }
        // Nothing more may come: no second reply, no late reply to a flushed read.
        c.assertNothingElsePending(0);

        // A node's future was cancelled only if its request was flushed before it answered; a
        // flush that lost the race (or came after the node completed) cancels nothing.
        int cancelled = 0;
        for (PendingRead p : slow.allPending) {
            if (p.future().isCancelled()) {
                cancelled++;
                assertThat(flushedWithoutReply).contains((int) p.offset());
            }
        }
        assertThat(cancelled).as("flushes did cancel node work").isPositive();
        assertThat(flushedWithoutReply).as("the test did exercise flushes that won").isNotEmpty();
        assertThat(flushOf.size() - flushedWithoutReply.size()).as("and flushes that lost").isPositive();
    }
}
