package org.taskfs.styx.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where a Unix socket is put, and with which permissions. A socket is bound inside a fresh 0700
 * directory beside its path, given its mode (0600, or 0660 and its group) there, and only then renamed
 * onto the path: so nobody can ever reach it with permissions that came from the umask, and the umask,
 * which is process-wide, is never changed under other threads. The rename replaces only a stale socket
 * (one nobody answers on); a regular file, a directory, a link or a live server's socket is refused.
 */
public final class UnixSocketPlace {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path target;
    private final Path privateDir;
    private final Path bindPath;

    private UnixSocketPlace(Path target, Path privateDir) {
        this.target = target;
        this.privateDir = privateDir;
        this.bindPath = privateDir.resolve("s");
    }

    /** Checks that {@code target} may be listened on and makes the private directory to bind in. */
    public static UnixSocketPlace prepare(Path target) {
        Path abs = target.toAbsolutePath();
        refuseOccupied(abs);
        Path parent = abs.getParent();
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[4];
            RANDOM.nextBytes(r);
            Path dir = parent.resolve(".tfs" + HexFormat.of().formatHex(r));
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                return new UnixSocketPlace(abs, dir);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw new UncheckedIOException(e);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on unix!" + target + ": cannot create a directory in "
                        + parent + ": " + e.getMessage(), e);
            }
        }
    }

    /** Where to bind: inside the private directory. */
    public Path bindPath() {
        return bindPath;
    }

    /**
     * Gives the bound socket its mode and group and moves it onto the target path.
     *
     * @return the socket's identity, so that {@link #removeIfOurs} later removes this socket and no other
     */
    public Object install(String group) {
        try {
            if (group != null) {
                GroupPrincipal g;
                try {
                    g = bindPath.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                } catch (UserPrincipalNotFoundException e) {
                    throw new IllegalStateException("cannot listen on unix!" + target + ": there is no group " + group);
                }
                Files.getFileAttributeView(bindPath, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
            }
            Files.setPosixFilePermissions(bindPath, PosixFilePermissions.fromString(group != null ? "rw-rw----" : "rw-------"));
            // Checked again just before: a file put there since prepare() must not be replaced either.
            refuseOccupied(target);
            Files.move(bindPath, target, StandardCopyOption.ATOMIC_MOVE);
            return Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on unix!" + target + ": " + e.getMessage(), e);
        } finally {
            cleanUp();
        }
    }

    /** Removes the private directory (and a socket still in it, after a failure). */
    public void cleanUp() {
        try {
            Files.deleteIfExists(bindPath);
            Files.deleteIfExists(privateDir);
        } catch (IOException e) {
            // left behind: harmless, and nothing else may be deleted in its place
        }
    }

    /** Deletes the socket at {@code target} if it is still the one {@code key} names. */
    public static void removeIfOurs(Path target, Object key) {
        try {
            Object now = Files.readAttributes(target, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            if (Objects.equals(now, key)) {
                Files.deleteIfExists(target);
            }
        } catch (IOException e) {
            // gone already, or replaced by someone else's: leave it
        }
    }

    /** Throws unless {@code path} is free: absent, or a socket nobody listens on. */
    private static void refuseOccupied(Path path) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on unix!" + path + ": " + e.getMessage(), e);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IllegalStateException("refusing to listen on unix!" + path + ": it is " + kind(mode));
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            return; // refused: a socket left by a server that died; it may be replaced
        } catch (IOException e) {
            throw new IllegalStateException("refusing to listen on unix!" + path + ": cannot tell whether a server "
                    + "listens there (" + e.getMessage() + ")", e);
        }
        throw new IllegalStateException("refusing to listen on unix!" + path + ": another server is listening there");
    }

    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> "a regular file";
            case 0040000 -> "a directory";
            case 0120000 -> "a symbolic link";
            case 0010000 -> "a named pipe";
            case 0020000, 0060000 -> "a device";
            default -> "not a socket";
        };
    }
}
