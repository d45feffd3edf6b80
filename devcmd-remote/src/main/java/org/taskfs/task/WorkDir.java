package org.taskfs.task;

import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * Where a session's runs start, as its ctl set it. {@code dir PATH} is a promise: a PATH missing on the node
 * fails the exec (devcmd's {@code can't chdir}). {@code cwd PATH} is the submitter's own directory, which
 * `taskfs run` sends: used where it exists on the node, else the owner's home (Slurm's rule for srun). Without
 * either, the owner's home, as ssh and pdsh start a command; {@code dir scratch} is the task's private directory,
 * removed with the task.
 */
public record WorkDir(Kind kind, String path) {
    public enum Kind { HOME, SCRATCH, PATH, CWD }

    public static final WorkDir HOME = new WorkDir(Kind.HOME, null);
    public static final WorkDir SCRATCH = new WorkDir(Kind.SCRATCH, null);

    /** The setting a {@code dir} or {@code cwd} command asks for. */
    static WorkDir of(CtlRequest c) {
        String a = c.arg(0);
        if (c.verb().equals("dir")) {
            if (a.equals("home")) {
                return HOME;
            }
            if (a.equals("scratch")) {
                return SCRATCH;
            }
        }
        if (!a.startsWith("/")) {
            throw new StyxException(c.verb() + ": \"" + a + "\" is not an absolute path"
                    + (c.verb().equals("dir") ? "; give /PATH, home or scratch" : "; give /PATH"));
        }
        return new WorkDir(c.verb().equals("dir") ? Kind.PATH : Kind.CWD, a);
    }

    /** The ctl command that sets this on another server. */
    public String command() {
        switch (kind) {
            case HOME: return "dir home";
            case SCRATCH: return "dir scratch";
            case PATH: return "dir " + PlanNineQuoting.quote(path);
            default: return "cwd " + PlanNineQuoting.quote(path);
        }
    }
}
