package org.taskfs.fuse;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.taskfs.styx.codec.Dir;
import org.taskfs.styx.codec.P9;

/**
 * A short-lived cache of directory entries by path, for ordinary files only, so that {@code ls -l}
 * after a directory read costs no further round trips. The kernel itself is told to cache nothing
 * (libfuse2's high-level timeouts are per mount, not per file), so this is the only cache.
 *
 * <p>What is never cached: directories (a synthetic server adds and removes them: {@code clone},
 * {@code release}) and files of length 0 (synthetic: their state is generated on every read, as for
 * {@code status}), and append-only, exclusive or temporary files. Any change made through the
 * mount drops everything: simple and never stale for this mount's own changes. Changes made by
 * other clients show within the time to live.
 */
final class AttrCache {
    private static final int MAX_ENTRIES = 100_000;

    private record Entry(Dir dir, long expires, long generation) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final long ttlNanos;

    AttrCache(Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    static boolean cacheable(Dir d) {
        int special = P9.QTDIR | P9.QTAPPEND | P9.QTEXCL | P9.QTAUTH | P9.QTTMP;
        return !d.isDirectory() && (d.qid().type() & special) == 0 && d.length() > 0;
    }

    /** Taken before a request whose answer may be cached: an answer older than a change is not kept. */
    long generation() {
        return generation.get();
    }

    Dir get(String path) {
        if (ttlNanos <= 0) {
            return null;
        }
        Entry e = entries.get(path);
        if (e == null) {
            return null;
        }
        if (e.generation != generation.get() || System.nanoTime() - e.expires > 0) {
            entries.remove(path, e);
            return null;
        }
        return e.dir;
    }

    void put(String path, Dir d, long askedAt) {
        if (ttlNanos <= 0 || !cacheable(d) || askedAt != generation.get()) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(path, new Entry(d, System.nanoTime() + ttlNanos, askedAt));
    }

    /** This mount changed something: nothing cached before can be trusted. */
    void invalidateAll() {
        generation.incrementAndGet();
        entries.clear();
    }
}
