package org.taskfs.styx.server;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The errno a server's error text stands for: the one table from Rerror strings to errnos. 9P2000 carries
 * only the text, so a client that must give an errno (the FUSE bridge) reads it here; for a 9P2000.u client
 * the server puts {@link #number()} in the Rerror, for a 9P2000.L client it sends the number alone (Rlerror).
 * Every error this project's servers answer with falls into one class by the way it is worded (see
 * {@link #of}), and a message relayed by a coordinator keeps its words, so it keeps its class.
 */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), EBADF(9), EAGAIN(11), EACCES(13), EBUSY(16), EEXIST(17),
    EXDEV(18), ENOTDIR(20), EISDIR(21), EINVAL(22), EMFILE(24), ENOSPC(28), EPIPE(32), ENAMETOOLONG(36), ENOTEMPTY(39),
    EOPNOTSUPP(95), ETIMEDOUT(110), EHOSTDOWN(112);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** Linux's number for it, as 9P2000.u's ecode carries it. */
    public int number() {
        return number;
    }

    /** A rule: text that matches {@code pattern} (found anywhere; anchor it with ^) is of class {@code errno}. */
    private record Rule(Pattern pattern, Errno errno) {}

    private static Rule rule(String regex, Errno errno) {
        return new Rule(Pattern.compile(regex), errno);
    }

    /**
     * First match wins. Messages that quote the user's words are decided by how they begin, before any rule that
     * looks inside a text, so {@code unknown control message "cat file does not exist"} is a bad command, not a
     * missing file. Matched against the lower-cased text.
     */
    private static final List<Rule> RULES = List.of(
            // devcmd's answers and what a ctl write may be refused for: a bad command or argument
            rule("^unknown control message ", EINVAL),
            rule("^wrong #args in control message ", EINVAL),
            rule("^(empty )?control message", EINVAL),
            rule("^[a-z]+: (bad|unknown) ", EINVAL), // res: bad count, env: bad line, input: unknown mode
            rule("^[a-z]+: no tasks reserved", EINVAL),
            rule("^[a-z]+: a command for the whole session", EINVAL),
            rule("^res: asked for 0 tasks", EINVAL),
            rule("^[a-z]+: at least \\d+ ", EINVAL), // slots: at least 1 slot is needed
            rule("^args: \\d+ lines for ", EINVAL),
            rule("^splice: \"..\" is not allowed", EINVAL),
            rule(" too long: \\d+ bytes, at most ", EINVAL),
            rule("exec failed: (empty command|argument contains a nul byte|bad environment variable)", EINVAL),
            rule("^bad (character in file name|open mode)", EINVAL),
            rule("^(read|write) (count|offset) ", EINVAL),
            // the state of the tasks
            rule("^device or object already in use$", EBUSY),
            rule("^not started$", ESRCH),
            rule("^i/o on hungup channel", EPIPE),
            rule("^(session|task) \\S+ has been released$", ENOENT),
            rule("^no task \\S+ in session ", ENOENT),
            rule("^no member named ", ENOENT),
            // capacity: asking again later may work
            rule("^res: (not enough capacity|could not reserve)\\b", EAGAIN),
            rule("^stdin: more than \\d+ bytes written before exec", EAGAIN),
            rule("^too many outstanding requests", EAGAIN),
            rule("^nothing more to read yet", EAGAIN),
            rule("^too many fids", EMFILE),
            // who may
            rule("^authentication not required", ENOENT), // the answer diod's clients take for "no auth here"
            rule("^(authentication (failed|required)|attach as \\S+ refused)", EACCES),
            rule("^no user \\S+ on ", EACCES),
            rule("^this node runs as \\S+ and serves only ", EACCES),
            rule("^mount: the name \\S+ is taken ", EEXIST),
            // fids used wrongly (a client's bug more than a user's)
            rule("^(unknown fid|fid already in use|file not open|file already open|cannot walk an open fid)", EBADF),
            rule(" \\(.*\\) is unreachable: ", ETIMEDOUT),
            rule(" \\(.*\\) is down: ", EHOSTDOWN),
            rule("^interrupted$", EINTR),
            rule("^not a symbolic link", EINVAL),
            rule("^cannot move a file to another directory", EXDEV),
            rule("^unexpected message ", EOPNOTSUPP),
            // words found anywhere: Plan 9's, other servers' and the system's own (strerror)
            rule("permission denied|access denied", EACCES),
            rule("operation not permitted", EPERM),
            rule("file does not exist|no such file|not found|does not exist", ENOENT),
            rule("already exists|^file exists", EEXIST),
            rule("not empty", ENOTEMPTY),
            rule("not a directory", ENOTDIR),
            rule("is a directory", EISDIR),
            rule("file name too long", ENAMETOOLONG),
            rule("no space left on device", ENOSPC),
            rule("too many open files", EMFILE),
            rule("not supported", EOPNOTSUPP));

    /** The class of a server's error text; EIO for a text no rule knows (a failure of the server itself). */
    public static Errno of(String serverError) {
        String e = serverError.toLowerCase(Locale.ROOT);
        for (Rule r : RULES) {
            if (r.pattern.matcher(e).find()) {
                return r.errno;
            }
        }
        return EIO;
    }
}
