package org.taskfs.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories of tasks and sessions: made on demand, removed whole when done with. */
public final class Scratch {
    private static final System.Logger LOG = System.getLogger(Scratch.class.getName());

    private Scratch() {}

    /** Removes {@code dir} and everything below it; what cannot be removed is logged, not thrown. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot remove {0}: {1}", dir, e.getMessage());
        }
    }
}
