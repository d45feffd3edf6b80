package org.taskfs.styx.auth;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the blocking parts of identity run: reading /proc/net/tcp, name-service lookups, the
 * munge and unmunge commands. Event loops hand work here and wait on the future. A few daemon
 * threads are plenty: each job takes milliseconds, and a burst just queues.
 */
public final class AuthExecutor {
    private AuthExecutor() {}

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL;

    static {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "styx-auth-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        POOL = pool;
    }

    /** Runs {@code job} off the caller's thread; its exception fails the future. */
    public static <T> CompletableFuture<T> submit(Callable<T> job) {
        CompletableFuture<T> f = new CompletableFuture<>();
        POOL.execute(() -> {
            if (f.isDone()) {
                return; // cancelled while queued
            }
            try {
                f.complete(job.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
