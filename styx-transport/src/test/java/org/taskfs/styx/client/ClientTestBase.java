package org.taskfs.styx.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/** Servers and clients made by a test are closed after it, clients first. */
abstract class ClientTestBase {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    ScriptedServer server(ScriptedServer.Script script) throws Exception {
        ScriptedServer s = ScriptedServer.tcp(script);
        resources.push(s);
        return s;
    }

    StyxClient connect(ScriptedServer server) throws Exception {
        return connect(server, ClientOptions.defaults());
    }

    StyxClient connect(ScriptedServer server, ClientOptions options) throws Exception {
        StyxClient c = get(StyxClient.connect(server.address(), options));
        resources.push(() -> {
            c.close();
            c.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        });
        return c;
    }

    @AfterEach
    void closeResources() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The exception a future fails with (it must fail within WAIT). */
    static Throwable failure(CompletableFuture<?> f) {
        Throwable t = catchThrowable(() -> get(f));
        assertThat(t).as("the future should have failed").isInstanceOf(ExecutionException.class);
        return t.getCause();
    }
}
