package org.taskfs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.taskfs.styx.auth.AuthMethod;

/** The drivers' {@code --auth}, spelt as the taskfs commands spell it. */
class ArgsTest {
    @Test
    void authTakesEverySpelling() {
        assertThat(new Args(new String[] {"--auth", "munge"}, 0).auth()).isEqualTo(new AuthMethod.Munge(Optional.empty()));
        assertThat(new Args(new String[] {"--auth=key=/etc/taskfs.key"}, 0).auth())
                .isEqualTo(new AuthMethod.Key(Path.of("/etc/taskfs.key")));
        assertThat(new Args(new String[] {"--auth", "munge=/run/m.sock"}, 0).auth())
                .isEqualTo(new AuthMethod.Munge(Optional.of(Path.of("/run/m.sock"))));
    }

    @Test
    void aBadSpecIsNamed() {
        assertThatThrownBy(() -> new Args(new String[] {"--auth", "foo"}, 0).auth())
                .hasMessage("--auth: unknown authentication 'foo': expected none, munge, munge=SOCKET or key=FILE");
    }

    @Test
    void authCountsAsUsed() {
        Args a = new Args(new String[] {"--auth", "none"}, 0);
        a.auth();

        a.checkAllUsed();
    }
}
