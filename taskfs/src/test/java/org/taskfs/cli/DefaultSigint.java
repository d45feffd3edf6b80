package org.taskfs.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A command line that runs {@code cmd} with SIGINT at its default, for the tests that Ctrl-C a child. A child
 * inherits ignored signals, and a build started in the background by a non-interactive shell (as {@code nohup
 * mvn … &}) has SIGINT ignored all the way down; a shell cannot reset a signal ignored on entry, perl can.
 */
final class DefaultSigint {
    private DefaultSigint() {}

    static String[] of(String... cmd) {
        List<String> all = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec {$ARGV[0]} @ARGV or die \"$ARGV[0]: $!\\n\""));
        all.addAll(List.of(cmd));
        return all.toArray(new String[0]);
    }
}
