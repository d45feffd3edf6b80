package org.taskfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * What jnr-fuse 0.5.8 does not give Java: libfuse2's {@code fuse_interrupted()}, and the bitfields of
 * {@code struct fuse_file_info} and {@code struct fuse_operations}, which it models as separate bytes
 * at the wrong offsets.
 */
final class FuseNative {
    private FuseNative() {}

    /** The libfuse2 calls we make ourselves; jnr-fuse's own binding lacks them. */
    public interface LibFuse2 {
        /** 1 when the kernel has sent FUSE_INTERRUPT for the request this thread is serving. */
        int fuse_interrupted();
    }

    private static volatile LibFuse2 lib;

    /** Bit 0 of the word holding {@code direct_io:1; keep_cache:1; flush:1; nonseekable:1; …}. */
    static final int DIRECT_IO = 1;

    /**
     * Offset of that word: libfuse 2.9 has {@code int flags; unsigned long fh_old; int writepage;}
     * then the bitfield word, then {@code uint64_t fh}. jnr-fuse places {@code fh} right, so the
     * word is the 4 bytes before it (20 on LP64, 12 on ILP32).
     */
    static int fileInfoBitsOffset() {
        Pointer scratch = Memory.allocate(Runtime.getSystemRuntime(), 64);
        return (int) FuseFileInfo.of(scratch).fh.offset() - 4;
    }

    private static final int BITS_OFFSET = fileInfoBitsOffset();

    /** Asks the kernel to send every read and write of this open file to us: no page cache, no size limit. */
    static void setDirectIo(FuseFileInfo fi) {
        Pointer m = Struct.getMemory(fi);
        m.putInt(BITS_OFFSET, m.getInt(BITS_OFFSET) | DIRECT_IO);
    }

    static boolean directIo(FuseFileInfo fi) {
        return (Struct.getMemory(fi).getInt(BITS_OFFSET) & DIRECT_IO) != 0;
    }

    /**
     * Sets {@code flag_nullpath_ok} and {@code flag_nopath} (bits 0 and 1 of the word after
     * {@code bmap}): calls on open files (read, write, release, readdir…) need no path, as they go by
     * handle, so libfuse need not build one for each of them.
     */
    static void setNullPathOk(FuseOperations ops) {
        Pointer m = Struct.getMemory(ops);
        long at = Offsets.of(ops.flag_nullpath_ok);
        m.putByte(at, (byte) (m.getByte(at) | 0b11));
    }

    /** jnr-ffi lets only Struct subclasses see where a padding member lies. */
    private static final class Offsets extends Struct {
        private Offsets() {
            super(Runtime.getSystemRuntime());
        }

        static long of(Struct.Padding p) {
            return ((Struct.AbstractMember) p).offset();
        }
    }

    /**
     * Whether the kernel interrupted the request this callback thread serves (the process waiting on
     * it got a signal). Only meaningful on a FUSE callback thread: libfuse keeps the request in a
     * thread-local context.
     */
    static boolean interrupted() {
        LibFuse2 l = lib;
        return l != null && l.fuse_interrupted() != 0;
    }

    /**
     * Fails with a message saying what to install when FUSE cannot work here. Loads the library the
     * same way jnr-fuse does ("fuse", then the soname libfuse2 packages ship).
     */
    static void checkAvailable() throws IOException {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new IOException("FUSE is not available: /dev/fuse does not exist (load the fuse kernel module, "
                    + "or give the container --device /dev/fuse)");
        }
        if (lib != null) {
            return;
        }
        synchronized (FuseNative.class) {
            if (lib != null) {
                return;
            }
            Throwable first;
            try {
                lib = LibraryLoader.create(LibFuse2.class).failImmediately().load("fuse");
                return;
            } catch (LinkageError | RuntimeException e) {
                first = e;
            }
            try {
                lib = LibraryLoader.create(LibFuse2.class).failImmediately().load("libfuse.so.2");
            } catch (LinkageError | RuntimeException e) {
                IOException x = new IOException("libfuse2 is not installed (jnr-fuse needs the FUSE 2 library: "
                        + "apt-get install libfuse2): " + e.getMessage(), e);
                x.addSuppressed(first);
                throw x;
            }
        }
    }
}
