package org.taskfs.coord.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> replay(Path file) throws Exception {
        List<String> got = new ArrayList<>();
        try (Journal j = Journal.open(file, r -> got.add(new String(r, StandardCharsets.UTF_8)))) {
            assertEquals(Files.size(file), j.size());
        }
        return got;
    }

    private void write(Path file, String... records) throws Exception {
        try (Journal j = Journal.open(file, r -> {})) {
            for (String r : records) {
                j.append(b(r)).join();
            }
        }
    }

    @Test
    void recordsComeBackInOrder() throws Exception {
        Path f = dir.resolve("journal");
        write(f, "one", "two", "", "three");
        assertEquals(List.of("one", "two", "", "three"), replay(f));
        write(f, "four");
        assertEquals(List.of("one", "two", "", "three", "four"), replay(f));
    }

    @Test
    void aTornTailIsDroppedAndTheNextRecordFollowsTheLastWholeOne() throws Exception {
        Path f = dir.resolve("journal");
        write(f, "one", "two", "three");
        long whole = Files.size(f);
        // Every cut inside the last record (header or body) leaves the first two.
        for (int cut = 1; cut < 8 + 5; cut++) {
            write(f);
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(whole - cut);
            }
            assertEquals(List.of("one", "two"), replay(f), "cut " + cut);
            assertEquals(whole - 8 - 5, Files.size(f), "truncated to the whole records");
            write(f, "three");
            assertEquals(List.of("one", "two", "three"), replay(f));
        }
    }

    @Test
    void aCorruptLastRecordIsDropped() throws Exception {
        Path f = dir.resolve("journal");
        write(f, "one", "two", "three");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() - 2);
            raf.write('X');
        }
        assertEquals(List.of("one", "two"), replay(f));
        // A length that cannot be is garbage too, not an allocation.
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length());
            raf.writeInt(Integer.MAX_VALUE);
            raf.writeInt(0);
            raf.write(b("junk"));
        }
        assertEquals(List.of("one", "two"), replay(f));
    }

    @Test
    void compactionReplacesTheRecordsBeforeItBySnapshot() throws Exception {
        Path f = dir.resolve("journal");
        try (Journal j = Journal.open(f, r -> {})) {
            for (int i = 0; i < 100; i++) {
                j.append(b("record " + i));
            }
            long before = j.size();
            j.append(b("last before")).join();
            assertTrue(j.size() > before);
            j.compact(() -> List.of(b("snapshot a"), b("snapshot b"))).join();
            assertEquals(2 * 8 + 20, j.size());
            j.append(b("after")).join();
        }
        assertEquals(List.of("snapshot a", "snapshot b", "after"), replay(f));
        assertFalse(Files.exists(dir.resolve("journal.tmp")));
    }

    /** One writer waiting for each record: the cost of an fsync per answered request, printed for the README. */
    @Test
    void eachAppendIsDurableWhenItCompletes() throws Exception {
        Path f = dir.resolve("journal");
        int n = 200;
        long[] took = new long[n];
        try (Journal j = Journal.open(f, r -> {})) {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                j.append(b("record " + i)).join();
                took[i] = System.nanoTime() - t0;
                assertEquals(Files.size(f), j.size(), "on disk once appended");
            }
        }
        java.util.Arrays.sort(took);
        System.out.printf("journal append + fsync, one writer, %s: p50 %.2f ms, p90 %.2f ms%n", dir, took[n / 2] / 1e6,
                took[n * 9 / 10] / 1e6);
        assertEquals(n, replay(f).size());
    }

    @Test
    void aCompactionCutShortBeforeItsRenameLeavesTheOldJournal() throws Exception {
        Path f = dir.resolve("journal");
        write(f, "one", "two");
        Files.write(dir.resolve("journal.tmp"), b("half a snapshot"));
        assertEquals(List.of("one", "two"), replay(f));
        assertFalse(Files.exists(dir.resolve("journal.tmp")));
    }
}
