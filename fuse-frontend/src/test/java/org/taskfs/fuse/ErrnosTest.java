package org.taskfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.client.StyxConnectionException;
import org.taskfs.styx.client.StyxRemoteException;

class ErrnosTest {
    private static final MountLog NO_LOG = MountLog.none();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "file does not exist   | 2",   // ENOENT
        "permission denied     | 13",  // EACCES
        "file already exists   | 17",  // EEXIST
        "is a directory        | 21",  // EISDIR
        "not a directory       | 20",  // ENOTDIR
        "directory not empty   | 39",  // ENOTEMPTY
        "interrupted           | 4",   // EINTR
        "file not found        | 2",   // lib9p's wording
        "No such file or directory | 2",
        "wrong #args in control message \"res\" | 22", // by the server's table: EINVAL
        "res: not enough capacity: asked 8, 5 free slots (Linux amd64) | 11", // EAGAIN
        "device or object already in use | 16", // EBUSY
        "internal error: NullPointerException | 5", // anything the table does not know: EIO
    })
    void serverStrings(String error, int errno) {
        assertThat(Errnos.forServerError(error.strip())).isEqualTo(errno);
    }

    @Test
    void failuresOfTheConnectionAreEio() {
        assertThat(Errnos.of(new StyxConnectionException("connection lost"), "read", "/x", NO_LOG).errno).isEqualTo(5);
        assertThat(Errnos.of(new TimeoutException(), "stat", "/x", NO_LOG).errno).isEqualTo(5);
        assertThat(Errnos.of(new CancellationException(), "read", "/x", NO_LOG).errno).isEqualTo(4);
        assertThat(Errnos.of(new StyxRemoteException("directory not empty", "d"), "rmdir", "/d", NO_LOG).errno)
                .isEqualTo(39);
    }
}
