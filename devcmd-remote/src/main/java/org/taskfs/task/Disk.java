package org.taskfs.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one executor for blocking disk work (log reads and appends, scratch directories made and removed), so
 * that none of it runs on a Netty event loop. Two threads: the disk is the page cache nearly always.
 */
public final class Disk {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "disk-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Disk() {}

    /** A piece of disk work. */
    @FunctionalInterface
    public interface Work<T> {
        T call() throws IOException;
    }

    /** A piece of disk work with no result. */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    public static void execute(Runnable r) {
        EXECUTOR.execute(r);
    }

    /** Runs {@code work} on the disk executor; an IOException fails the future with its UncheckedIOException. */
    public static <T> CompletableFuture<T> supply(Work<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, EXECUTOR);
    }

    public static CompletableFuture<Void> run(Step step) {
        return supply(() -> {
            step.run();
            return null;
        });
    }
}
