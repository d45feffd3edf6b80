package org.taskfs.styx.server;

/** Error strings as Plan 9 spells them, so clients that match on them (9pfuse, Linux v9fs) map errno right. */
public final class Errors {
    private Errors() {}

    public static final String NOT_FOUND = "file does not exist";
    public static final String PERMISSION = "permission denied";
    public static final String EXISTS = "file already exists";
    public static final String IS_DIR = "is a directory";
    public static final String NOT_DIR = "not a directory";
    public static final String UNKNOWN_FID = "unknown fid";
    public static final String FID_IN_USE = "fid already in use";
    public static final String NOT_OPEN = "file not open";
    public static final String ALREADY_OPEN = "file already open";
    public static final String WALK_OPEN = "cannot walk an open fid";
    public static final String NOT_READABLE = "file not open for reading";
    public static final String NOT_WRITABLE = "file not open for writing";
    public static final String BAD_DIR_OFFSET = "bad offset in directory read";
    public static final String BAD_NAME = "bad character in file name";
    public static final String NAME_TOO_LONG = "file name too long";
    public static final String NO_AUTH = "authentication not required";
    public static final String NOT_AUTH_FID = "not an authentication fid";
    public static final String NOT_VERSIONED = "version not negotiated";
    public static final String INTERRUPTED = "interrupted";
    public static final String HUNGUP = "i/o on hungup channel";
    public static final String NOTHING_YET = "nothing more to read yet";
}
