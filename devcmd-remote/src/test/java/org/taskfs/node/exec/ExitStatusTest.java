package org.taskfs.node.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void waitLinesFollowDevcmd() {
        assertThat(ExitStatus.fromWaitStatus(4242, 0, 1, 3, 0).waitLine()).isEqualTo("4242 0 1 3 ''\n");
        assertThat(ExitStatus.fromWaitStatus(4243, 0, 0, 1004, 15).waitLine()).isEqualTo("4243 0 0 1004 killed\n");
        assertThat(ExitStatus.fromWaitStatus(4243, 0, 0, 1004, 9).waitLine()).isEqualTo("4243 0 0 1004 killed\n");
        assertThat(ExitStatus.fromWaitStatus(4244, 0, 0, 2, 3 << 8).waitLine()).isEqualTo("4244 0 0 2 'exit: 3'\n");
        assertThat(ExitStatus.fromWaitStatus(4245, 0, 0, 2, 2).waitLine()).isEqualTo("4245 0 0 2 'signal: 2'\n");
        // a core dump sets bit 7; the signal is still 11
        assertThat(ExitStatus.fromWaitStatus(4246, 0, 0, 2, 0x80 | 11).waitLine()).isEqualTo("4246 0 0 2 'signal: 11'\n");
        assertThat(new ExitStatus(7, 1, 1, 1, null, null, "wait4: No child processes").waitLine())
                .isEqualTo("0 0 0 0 'wait4: No child processes'\n");
    }

    @Test
    void successMeansExitZero() {
        assertThat(ExitStatus.fromWaitStatus(1, 0, 0, 0, 0).success()).isTrue();
        assertThat(ExitStatus.fromWaitStatus(1, 0, 0, 0, 1 << 8).success()).isFalse();
        assertThat(ExitStatus.fromWaitStatus(1, 0, 0, 0, 9).success()).isFalse();
    }
}
