package org.taskfs.styx.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's shared secret, read from a file only its owner can read. Whoever holds it is the
 * service (coordinator or node), so the file must be mode 0600 or stricter and owned by the user that
 * runs this process: anything looser is refused at start rather than trusted.
 */
public final class SharedKey {
    /** Fewer bytes than this is a password, not a key. */
    public static final int MIN_LENGTH = 16;

    private final SecretKeySpec key;
    private final Path file;

    private SharedKey(byte[] bytes, Path file) {
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
        this.file = file;
    }

    /**
     * Reads the key. Trailing whitespace is dropped (a key written with {@code echo} ends in a newline),
     * the same way on every host, so both ends agree.
     *
     * @throws IllegalArgumentException naming what is wrong with the file and how to fix it
     */
    public static SharedKey load(Path file) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException("key file " + file + " is not a regular file");
            }
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if ((mode & 077) != 0) {
                throw new IllegalArgumentException(String.format(
                        "key file %s has mode %04o: others can read it; chmod 600 %s", file, mode & 07777, file));
            }
            if (owner != Users.selfUid()) {
                throw new IllegalArgumentException("key file " + file + " is owned by uid " + owner
                        + ", not by uid " + Users.selfUid() + " that runs this; chown it or use a key of your own");
            }
            byte[] bytes = Files.readAllBytes(file);
            int n = bytes.length;
            while (n > 0 && (bytes[n - 1] == '\n' || bytes[n - 1] == '\r' || bytes[n - 1] == ' ' || bytes[n - 1] == '\t')) {
                n--;
            }
            if (n < MIN_LENGTH) {
                throw new IllegalArgumentException("key file " + file + " holds " + n + " bytes; a key needs at least "
                        + MIN_LENGTH + " (e.g. head -c 32 /dev/urandom > " + file + ")");
            }
            byte[] k = Arrays.copyOf(bytes, n);
            Arrays.fill(bytes, (byte) 0);
            return new SharedKey(k, file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("key file " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** HMAC-SHA256 of {@code data} under the key. */
    byte[] hmac(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "SharedKey[" + file + "]";
    }
}
