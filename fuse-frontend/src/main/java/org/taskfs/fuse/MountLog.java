package org.taskfs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * Where a mount says what the server refused and what went wrong: a user of the mount sees only an errno, so
 * the server's words, with the operation and the path, are written here, one line each ({@code TIME OP PATH:
 * TEXT}). A mount without a log file writes them through System.Logger. Lines are appended with O_APPEND, so a
 * file shared with the process's own standard error (taskfs mount --daemon) keeps them whole. Thread-safe; it
 * writes on the FUSE worker thread that failed, never on a Netty event loop.
 */
final class MountLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MountLog.class.getName());

    private final Path file;
    private final FileChannel out;

    private MountLog(Path file, FileChannel out) {
        this.file = file;
        this.out = out;
    }

    /** Messages through System.Logger only. */
    static MountLog none() {
        return new MountLog(null, null);
    }

    /** Appends to {@code file}, made 0600 if new (it holds the commands refused); a symbolic link is refused. */
    static MountLog open(Path file) throws IOException {
        try {
            FileChannel c = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return new MountLog(file, c);
        } catch (IOException e) {
            throw new IOException("cannot open the mount's log " + file + ": " + e.getMessage()
                    + " (name another with --log FILE)", e);
        }
    }

    /** The file, or null for none. */
    Path file() {
        return file;
    }

    /**
     * The server refused {@code op} on {@code path} with {@code text}, or the request failed so (the connection
     * went, no answer came). {@code routine} marks what a working mount meets all the time (a lookup of a name
     * that is not there): not written to the file.
     */
    void note(System.Logger.Level level, String op, String path, String text, boolean routine) {
        String what = op + " " + (path == null ? "(open file)" : path);
        if (out == null || routine) {
            LOG.log(routine ? System.Logger.Level.DEBUG : level, "{0}: {1}", what, text);
            return;
        }
        String line = Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + what + ": "
                + text.replace("\n", "\\n") + "\n";
        try {
            ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write to the mount''s log {0}: {1}; it said: {2}: {3}",
                    file, e.getMessage(), what, text);
        }
    }

    /** Closes the file, and removes it if nothing was ever said in it: a mount that met no refusal leaves no log. */
    @Override
    public void close() {
        if (out != null) {
            try {
                boolean empty = out.size() == 0; // the file's size, whoever wrote it (--daemon's stderr too)
                out.close();
                if (empty) {
                    java.nio.file.Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing {0}: {1}", file, e.getMessage());
            }
        }
    }
}
