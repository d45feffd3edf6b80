package org.taskfs.cli;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one way {@code taskfs run} writes to the terminal while its tasks run: output goes through
 * {@link #write}, and when enabled a status line on stderr is redrawn in place ({@code \r}) from one second
 * on, erased before every output write and at the end, so it never mixes into a line of output.
 */
final class ProgressLine implements AutoCloseable {
    private static final long FIRST_MS = 1000;
    private static final long EVERY_MS = 200;

    private final PrintStream err;
    private final Supplier<String> text;
    private final ScheduledExecutorService timer;
    /** Characters of the status line now on the screen; 0 when none is. */
    private int shown;
    private boolean closed;

    /** @param enabled whether to show the line at all; output is written the same either way */
    ProgressLine(boolean enabled, PrintStream err, Supplier<String> text) {
        this.err = err;
        this.text = text;
        if (enabled) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "taskfs-run-progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::redraw, FIRST_MS, EVERY_MS, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** Writes output to {@code to}, the status line erased first (the next tick draws it again). */
    synchronized void write(PrintStream to, byte[] b) {
        erase();
        to.write(b, 0, b.length);
        to.flush();
    }

    private synchronized void redraw() {
        if (closed) {
            return;
        }
        String t = text.get();
        // Spaces over what is left of a longer earlier line; the cursor stays on this line.
        err.print("\r" + t + " ".repeat(Math.max(0, shown - t.length())));
        err.flush();
        shown = Math.max(shown, t.length());
    }

    private void erase() {
        if (shown > 0) {
            err.print("\r" + " ".repeat(shown) + "\r");
            err.flush();
            shown = 0;
        }
    }

    /** Stops drawing and erases the line: what follows starts at the beginning of a clean line. */
    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        erase();
    }
}
