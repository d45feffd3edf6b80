package org.taskfs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The user this process runs as, by the kernel's word (the owner of /proc/self), not $USER. */
final class OwnUser {
    private OwnUser() {}

    static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell which user this process runs as (/proc/self)", e);
        }
    }

    /** The login name the JVM found for us; what we attach as. */
    static String name() {
        return System.getProperty("user.name", "none");
    }

    /** The owner of {@code file} by name when the system knows it, else by number. */
    static String ownerOf(Path file) throws IOException {
        return Files.getOwner(file).getName();
    }
}
