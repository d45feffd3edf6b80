package org.taskfs.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Scratch directories of tasks and sessions: made on demand, removed whole when done with. */
public final class Scratch {
    private static final System.Logger LOG = System.getLogger(Scratch.class.getName());

    private Scratch() {}

    /**
     * Removes {@code dir} and everything below it (or the file {@code dir}). What is already gone is fine (another remover may be at it
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

    /** Directories being removed in the background: whoever stops a server waits for them, so none is left. */
    public static final class Removals {
        private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

        /** Removes {@code dir} on the disk executor. */
        public void later(Path dir) {
            later(java.util.List.of(dir));
        }

        /** Removes these files and directories (with all below them) on the disk executor, in one trip. */
        public void later(java.util.List<Path> paths) {
            CompletableFuture<Void> gone = Disk.run(() -> paths.forEach(Scratch::deleteTree));
            pending.add(gone);
            gone.whenComplete((v, e) -> pending.remove(gone));
        }

        /** Waits, up to {@code most}, for the removals under way. */
        public void await(Duration most) {
            try {
                CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                        .get(most.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "scratch removals not all done: {0}", e.toString());
            }
        }
    }
}
