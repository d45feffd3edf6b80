package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;

/** The struct layouts we write into behind jnr-fuse's back. */
class FuseNativeTest {

    @Test
    void directIoBitfieldIsAtOffset20OnLp64() {
        // libfuse 2.9 fuse_common.h: int flags; unsigned long fh_old; int writepage; then the word
        // holding direct_io:1 keep_cache:1 flush:1 nonseekable:1 ...; then uint64_t fh at 24.
        String arch = System.getProperty("os.arch");
        assertThat(arch).as("the layout below is LP64 Linux's").isIn("amd64", "x86_64", "aarch64");
        assertThat(Runtime.getSystemRuntime().addressSize()).isEqualTo(8);
        assertThat(FuseNative.fileInfoBitsOffset()).isEqualTo(20);
        // jnr-fuse's own direct_io member sits at 16, on writepage: the reason we do not use it.
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 64, true);
        FuseFileInfo fi = FuseFileInfo.of(p);
        assertThat(fi.fh.offset()).isEqualTo(24);
    }

    @Test
    void setDirectIoSetsBitZeroOfThatWordOnly() {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 64, true);
        p.putInt(20, 0b0100); // flush, set by libfuse in some calls: left alone
        p.putLong(24, 77);
        FuseFileInfo fi = FuseFileInfo.of(p);
        FuseNative.setDirectIo(fi);
        assertThat(p.getInt(20)).isEqualTo(0b0101);
        assertThat(FuseNative.directIo(fi)).isTrue();
        assertThat(p.getInt(16)).isZero(); // writepage untouched
        assertThat(p.getLong(24)).isEqualTo(77); // fh untouched
    }

    @Test
    void nullPathFlagsAreTheFirstTwoBitsAfterBmap() {
        FuseOperations ops = new FuseOperations(Runtime.getSystemRuntime());
        Pointer m = jnr.ffi.Struct.getMemory(ops);
        FuseNative.setNullPathOk(ops);
        // struct fuse_operations (2.9): 38 function pointers, getattr … bmap, then the flag word.
        long at = 38L * 8;
        assertThat(m.getByte(at)).isEqualTo((byte) 0b11);
        assertThat(m.getLong(at + 8)).as("ioctl pointer, still unset").isZero();
    }
}
