package org.taskfs.styx.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one table from a server's words to an errno, against the texts the servers of this project answer with. */
class ErrnoTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // Plan 9's own, exactly
        "file does not exist | ENOENT",
        "permission denied | EACCES",
        "file already exists | EEXIST",
        "is a directory | EISDIR",
        "not a directory | ENOTDIR",
        "directory not empty | ENOTEMPTY",
        "interrupted | EINTR",
        // a bad command or argument: devcmd's texts, whatever they quote
        "unknown control message \"exce ls\" | EINVAL",
        "unknown control message \"cat file does not exist\" | EINVAL",
        "unknown control message \"echo permission denied\" | EINVAL",
        "wrong #args in control message \"res\" | EINVAL",
        "wrong #args in control message \"input a b\" | EINVAL",
        "empty control message | EINVAL",
        "control message contains a NUL byte at offset 3 | EINVAL",
        "control message is not valid UTF-8 text | EINVAL",
        "control message too long: 65513 bytes, at most 65512 | EINVAL",
        "control message (quoted) too long: 70000 bytes, at most 65512 | EINVAL",
        "env write too long: 65513 bytes, at most 65512 | EINVAL",
        "args write (as forwarded) too long: 65513 bytes, at most 65512 | EINVAL",
        "res: bad count \"abc\"; expected a number 0 or more | EINVAL",
        "res: asked for 0 tasks; ask for 1 or more | EINVAL",
        "nice: bad niceness \"20\"; expected a number from 0 to 19 | EINVAL",
        "ident: bad session path \"3\"; expected /N | EINVAL",
        "mount: bad slots \"x\"; expected slots=K | EINVAL",
        "slots: at least 1 slot is needed, not 0 | EINVAL",
        "input: unknown mode \"bogus\"; use one of bcast, rr, hash | EINVAL",
        "output: unknown mode \"no such file\"; use one of ordered, lines, tagged | EINVAL",
        "kill: unknown signal \"FOO\"; use a name such as TERM, KILL, INT or a number 1..64 | EINVAL",
        "kill: no tasks reserved; write \"res N\" first | EINVAL",
        "eof: no tasks reserved; write \"res N\" first | EINVAL",
        "res: a command for the whole session; write it to its ctl, not a task's | EINVAL",
        "env: bad line \"x\"; expected NAME=value | EINVAL",
        "env: bad variable name \"1x\" | EINVAL",
        "args: 3 lines for 2 tasks | EINVAL",
        "splice: \"..\" is not allowed in /0/../1/stdout | EINVAL",
        "task 1: exec failed: bad environment variable: A=B | EINVAL",
        "exec failed: empty command | EINVAL",
        "bad character in file name: \"a/b\" | EINVAL",
        "write count 70000 exceeds the iounit 65512 | EINVAL",
        "file name too long (255 bytes at most) | ENAMETOOLONG",
        // the tasks' state
        "device or object already in use | EBUSY",
        "not started | ESRCH",
        "i/o on hungup channel | EPIPE",
        "i/o on hungup channel: the task's stdin is closed (its process has exited, or eof was written) | EPIPE",
        "session 3 has been released | ENOENT",
        "task 7 has been released | ENOENT",
        "task /2 has been released | ENOENT",
        "no task 9 in session 3 | ENOENT",
        "no member named rack2 in the pool | ENOENT",
        "task 0: exec failed: /nonexistent/x: No such file or directory | ENOENT",
        "exec failed: ./script: Permission denied | EACCES",
        "can't chdir to /nowhere: No such file or directory | ENOENT",
        // capacity
        "res: not enough capacity: asked 1000, 8 free slots (Linux amd64) | EAGAIN",
        "res: not enough capacity: asked 2, 0 free slots (Plan9 mips) | EAGAIN",
        "res: could not reserve 2 of 4 tasks: node1: connection to tcp!h!6666 lost | EAGAIN",
        "stdin: more than 1048576 bytes written before exec | EAGAIN",
        "too many outstanding requests (limit 256) | EAGAIN",
        "too many fids (limit 4096) | EMFILE",
        "Too many open files | EMFILE",
        "No space left on device | ENOSPC",
        // who may
        "permission denied: status is read-only | EACCES",
        "splice /1/stdout: permission denied: tfa may not read it | EACCES",
        "splice /9/stdout: file does not exist | ENOENT",
        "splice: /0/1 is a directory | EISDIR",
        "authentication failed: bad proof | EACCES",
        "authentication required: 10.0.0.9:4000 is not a local peer the kernel can identify; authenticate with --auth munge | EACCES",
        "attach as root refused: this connection is uid 1000 (tfa) | EACCES",
        "no user \"-x\" on this machine | EACCES",
        "no user tfa on n3 | EACCES",
        "this node runs as tfa and serves only tfa: it cannot run tasks as tfb (start it as root to serve every user) | EACCES",
        "mount: the name node1 is taken by tcp!127.0.0.1!6666 | EEXIST",
        // members that went quiet or away
        "node1 (tcp!10.0.0.5!6666) is unreachable: no answer for 10 s | ETIMEDOUT",
        "node1 (tcp!10.0.0.5!6666) is down: connection refused | EHOSTDOWN",
        "ns: rebinding tasks is not supported yet | EOPNOTSUPP",
        // other servers' words
        "file not found | ENOENT",
        "No such file or directory | ENOENT",
        "Operation not permitted | EPERM",
        "unknown fid | EBADF",
        // the server's own failure, or anything no rule knows
        "internal error: NullPointerException | EIO",
        "every task of session 3 is lost | EIO",
        "res 2 gave 1 tasks | EIO",
    })
    void classOf(String error, Errno errno) {
        assertThat(Errno.of(error.strip())).isEqualTo(errno);
    }

    @ParameterizedTest
    @CsvSource({"ENOENT, 2", "EINTR, 4", "EIO, 5", "EAGAIN, 11", "EACCES, 13", "EBUSY, 16", "EINVAL, 22",
        "EPIPE, 32"})
    void numbersAreLinuxsAs9P2000uCarriesThem(Errno e, int number) {
        assertThat(e.number()).isEqualTo(number);
    }
}
