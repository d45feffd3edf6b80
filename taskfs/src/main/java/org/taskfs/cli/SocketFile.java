package org.taskfs.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The file of a Unix socket the relay listens on: it may replace only a stale socket (one nobody answers
 * on), never another file or a live server, and it is made 0600 once bound.
 */
final class SocketFile {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private SocketFile() {}

    /** Makes room for a socket at {@code path}, or says why not. */
    static void prepare(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
                throw new IOException("cannot listen on unix!" + path + ": no directory " + path.getParent());
            }
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("cannot listen on unix!" + path + ": it exists and is not a socket; "
                    + "refusing to replace it");
        }
        String live = liveness(path);
        if (live != null) {
            throw new IOException("cannot listen on unix!" + path + ": " + live);
        }
        Files.delete(path); // left by a server that died
    }

    /**
     * Owner only: the relay refuses other users anyway, by the kernel's word on each connection; the mode
     * keeps them from connecting at all.
     */
    static void restrict(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    /** Removes the socket file if it is still a socket (someone may have put another file there since). */
    static void remove(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) == S_IFSOCK) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // gone already, or not ours to remove
        }
    }

    /** Null for a stale socket (connecting is refused), else why it must be left alone. */
    private static String liveness(Path path) {
        try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.connect(UnixDomainSocketAddress.of(path));
            return "something is serving there already";
        } catch (ConnectException e) {
            return null;
        } catch (IOException e) {
            return "a socket that cannot be tried (" + e.getMessage() + "); refusing to replace it";
        }
    }
}
