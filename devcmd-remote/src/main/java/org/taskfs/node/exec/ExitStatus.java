package org.taskfs.node.exec;

import org.taskfs.node.exec.Native.LibC;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * How a process ended, with its resource usage.
 *
 * @param pid       the process id
 * @param userMs    user CPU time of the process and of the descendants it waited for
 * @param sysMs     system CPU time, likewise
 * @param realMs    wall-clock time from spawn to reaping
 * @param exitCode  the exit code if the process exited, else {@code null}
 * @param signal    the signal that terminated it, else {@code null}
 * @param waitError set only when the process could not be waited for (then both of the above are null)
 * @param message   the wait message when the exit alone does not tell the story (the node killed the task for
 *                  its output, or its output is incomplete), else {@code null}
 */
public record ExitStatus(int pid, long userMs, long sysMs, long realMs, Integer exitCode, Integer signal, String waitError,
                         String message) {

    public ExitStatus(int pid, long userMs, long sysMs, long realMs, Integer exitCode, Integer signal, String waitError) {
        this(pid, userMs, sysMs, realMs, exitCode, signal, waitError, null);
    }

    static ExitStatus fromWaitStatus(int pid, long userMs, long sysMs, long realMs, int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return new ExitStatus(pid, userMs, sysMs, realMs, (status >> 8) & 0xff, null, null);
        }
        return new ExitStatus(pid, userMs, sysMs, realMs, null, low, null);
    }

    /** Whether the process exited with status 0 and nothing went wrong with its output. */
    public boolean success() {
        return exitCode != null && exitCode == 0 && message == null;
    }

    /** This status with {@code text} as its wait message (CPU and real times stay). */
    ExitStatus withMessage(String text) {
        return new ExitStatus(pid, userMs, sysMs, realMs, exitCode, signal, waitError, text);
    }

    /**
     * devcmd's exit string: empty for exit 0, {@code exit: N}, {@code killed} for SIGTERM and SIGKILL,
     * {@code signal: N} for other signals; or the {@link #message} the node gave.
     */
    public String waitMessage() {
        if (waitError != null) {
            return waitError;
        }
        if (message != null) {
            return message;
        }
        if (exitCode != null) {
            return exitCode == 0 ? "" : "exit: " + exitCode;
        }
        return signal == LibC.SIGTERM || signal == LibC.SIGKILL ? "killed" : "signal: " + signal;
    }

    /**
     * The line a leaf task's {@code wait} file yields: {@code PID USER_MS SYS_MS REAL_MS MSG\n} with MSG
     * Plan 9 quoted, e.g. {@code 4244 0 0 2 'exit: 3'}. As in devcmd, a failed wait reports {@code 0 0 0 0 MSG}.
     */
    public String waitLine() {
        if (waitError != null) {
            return "0 0 0 0 " + PlanNineQuoting.quote(waitError) + "\n";
        }
        return pid + " " + userMs + " " + sysMs + " " + realMs + " " + PlanNineQuoting.quote(waitMessage()) + "\n";
    }
}
