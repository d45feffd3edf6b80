package org.taskfs.task;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The last requests a server refused on one session's files, for its {@code err} file: one line each, {@code TIME
 * PATH: TEXT}, the time ISO-8601 UTC to the second, the text as the Rerror said it. A mount gives its user only an
 * errno; the words that explain it are here. Thread-safe.
 */
final class Refusals {
    /** How many are kept: enough for a script's last few mistakes, little for many sessions. */
    static final int KEPT = 32;
    /** A text longer than this is cut (it quotes a long command); the Rerror had it whole. */
    static final int MAX_TEXT = 4096;

    private record Refusal(Instant at, int task, String line) {}

    private final Clock clock;
    private final Deque<Refusal> last = new ArrayDeque<>();

    Refusals(Clock clock) {
        this.clock = clock;
    }

    /** A refusal on {@code path}, a file of task {@code task} (-1: of the session itself). */
    synchronized void add(int task, String path, String text) {
        String t = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
        // One line each: a quoted command may hold a newline.
        t = t.replace("\r", "\\r").replace("\n", "\\n");
        Instant at = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        last.addLast(new Refusal(at, task, at + " " + path + ": " + t + "\n"));
        if (last.size() > KEPT) {
            last.removeFirst();
        }
    }

    /** Oldest first: all of them ({@code task} -1), or those on task {@code task}'s files. */
    synchronized String text(int task) {
        StringBuilder b = new StringBuilder();
        for (Refusal r : last) {
            if (task < 0 || r.task == task) {
                b.append(r.line);
            }
        }
        return b.toString();
    }
}
