package org.taskfs.styx.codec;

import java.util.Objects;

/**
 * One entry of a 9P2000.L Rreaddir: the qid, the offset a Treaddir continues from after it, the Linux
 * {@code DT_*} type and the name.
 */
public record Dirent(Qid qid, long offset, int type, String name) {
    public static final int DT_DIR = 4;
    public static final int DT_REG = 8;

    public Dirent {
        Objects.requireNonNull(qid, "qid");
        Objects.requireNonNull(name, "name");
    }
}
