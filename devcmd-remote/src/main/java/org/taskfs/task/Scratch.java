package org.taskfs.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Scratch directories of tasks and sessions: made on demand, removed whole when done with. */
public final class Scratch {
    private static final System.Logger LOG = System.getLogger(Scratch.class.getName());

    private Scratch() {}

    /**
     * Removes {@code dir} and everything below it. What is already gone is fine (another remover may be at it
     * too); what cannot be removed is logged, not thrown.
     */
    public static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // removed meanwhile
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot remove {0}: {1}", dir, e.getMessage());
        }
    }
}
