package org.taskfs.task;

/**
 * The files of every task directory, on a node or a coordinator, in listing order (brasil's), with the
 * seed transcript's access for the owner alone: a session is its owner's (and the administrators').
 */
public enum TaskFile {
    CTL("ctl", 0600),
    STDIO("stdio", 0600),
    STDIN("stdin", 0200),
    STDOUT("stdout", 0400),
    STDERR("stderr", 0400),
    STATUS("status", 0400),
    WAIT("wait", 0400),
    ARGS("args", 0600),
    ENV("env", 0600),
    NS("ns", 0600),
    /** The last requests the server refused on the session's files (a task's: on that task's), with its words. */
    ERR("err", 0400);

    private static final TaskFile[] ALL = values();

    private final String fileName;
    private final int mode;

    TaskFile(String fileName, int mode) {
        this.fileName = fileName;
        this.mode = mode;
    }

    public String fileName() {
        return fileName;
    }

    public int mode() {
        return mode;
    }

    /** Small stable number for qid paths (1..11). */
    public int code() {
        return ordinal() + 1;
    }

    /**
     * The number a task or session directory is named by ({@code 0}, {@code 12}), or -1 for any
     * other name, leading zeros included: each number has one spelling.
     */
    public static int directoryNumber(String name) {
        if (name.isEmpty() || name.length() > 9 || !name.chars().allMatch(c -> c >= '0' && c <= '9')
                || (name.length() > 1 && name.charAt(0) == '0')) {
            return -1;
        }
        return Integer.parseInt(name);
    }

    public static TaskFile named(String name) {
        for (TaskFile f : ALL) {
            if (f.fileName.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
