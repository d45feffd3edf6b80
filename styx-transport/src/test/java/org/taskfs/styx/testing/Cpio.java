package org.taskfs.styx.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the kernel's initramfs format ("newc"). Written here rather than by cpio(1) so that
 * device nodes need no mknod, hence no root, and the archive does not depend on the host's files' owners.
 */
final class Cpio implements AutoCloseable {
    private static final int DIR = 0040000, FILE = 0100000, SYMLINK = 0120000, CHAR = 0020000;

    private final OutputStream out;
    private int ino = 1;

    Cpio(OutputStream out) {
        this.out = out;
    }

    void dir(String name) throws IOException {
        entry(name, DIR | 0755, new byte[0], 0, 0);
    }

    void file(String name, int perm, byte[] data) throws IOException {
        entry(name, FILE | perm, data, 0, 0);
    }

    void symlink(String name, String target) throws IOException {
        entry(name, SYMLINK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    void charDevice(String name, int perm, int major, int minor) throws IOException {
        entry(name, CHAR | perm, new byte[0], major, minor);
    }

    private void entry(String name, int mode, byte[] data, int rdevMajor, int rdevMinor) throws IOException {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        int[] fields = {ino++, mode, 0, 0, (mode & 0170000) == DIR ? 2 : 1, 0, data.length, 0, 0, rdevMajor, rdevMinor,
            n.length, 0};
        for (int f : fields) h.append(String.format("%08x", f));
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(n);
        pad(110 + n.length);
        out.write(data);
        pad(data.length);
    }

    private void pad(int written) throws IOException {
        out.write(new byte[(4 - written % 4) % 4]);
    }

    @Override
    public void close() throws IOException {
        entry("TRAILER!!!", 0, new byte[0], 0, 0);
        out.close();
    }
}
