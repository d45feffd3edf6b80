package org.taskfs.styx.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FuturesTest {
    private final IOException boom = new IOException("boom");

    @Test
    void causeLooksUnderEveryWrapper() {
        assertThat(Futures.cause(new CompletionException(new ExecutionException(boom)))).isSameAs(boom);
        assertThat(Futures.cause(boom)).isSameAs(boom);
        CompletionException empty = new CompletionException("no cause", null);
        assertThat(Futures.cause(empty)).isSameAs(empty);
        assertThat(Futures.rethrow(new CompletionException(boom))).hasCause(boom);
    }

    @Test
    void attemptTurnsAThrowOrANullIntoAFailedFuture() {
        assertThat(Futures.failure(Futures.attempt(() -> {
            throw new CompletionException(new IllegalStateException("x"));
        })).join()).isInstanceOf(IllegalStateException.class).hasMessage("x");
        assertThat(Futures.failure(Futures.attempt(() -> null)).join()).hasMessage("handler returned no future");
        assertThat(Futures.attempt(() -> CompletableFuture.completedFuture(1)).join()).isEqualTo(1);
    }

    @Test
    void relayPassesTheOutcomeWithTheRealCause() {
        CompletableFuture<Integer> to = Futures.relay(CompletableFuture.completedFuture(3), new CompletableFuture<>());
        assertThat(to.join()).isEqualTo(3);
        CompletableFuture<Integer> failing = CompletableFuture.<Integer>failedFuture(boom).thenApply(x -> x);
        CompletableFuture<Integer> relayed = Futures.relay(failing, new CompletableFuture<>());
        assertThat(relayed.handle((v, e) -> e).join()).isSameAs(boom);
    }

    @Test
    void relayOnAnExecutorCompletesThere() {
        AtomicInteger ran = new AtomicInteger();
        Executor counting = r -> {
            ran.incrementAndGet();
            r.run();
        };
        CompletableFuture<String> from = new CompletableFuture<>();
        CompletableFuture<String> to = Futures.relay(from, new CompletableFuture<>(), counting);
        from.complete("x");
        assertThat(to.join()).isEqualTo("x");
        assertThat(ran).hasValue(1);
    }

    @Test
    void cancellingALinkedFutureCancelsTheInnerOne() {
        CompletableFuture<String> inner = new CompletableFuture<>();
        CompletableFuture<String> outer = Futures.linked(inner);
        outer.cancel(true);
        assertThat(inner).isCancelled();

        CompletableFuture<String> done = new CompletableFuture<>();
        CompletableFuture<String> linked = Futures.linked(done);
        done.complete("ok");
        assertThat(linked.join()).isEqualTo("ok");
    }

    @Test
    void failureAndSettledTurnOutcomesIntoValues() {
        assertThat(Futures.failure(CompletableFuture.completedFuture(1)).join()).isNull();
        assertThat(Futures.failure(CompletableFuture.failedFuture(new CompletionException(boom))).join()).isSameAs(boom);
        assertThat(Futures.settled(CompletableFuture.failedFuture(boom)).join()).isNull();
        assertThat(Futures.settled(new CompletableFuture<>())).isNotDone();
    }
}
