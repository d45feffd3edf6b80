package org.taskfs.cli;

import java.math.BigDecimal;
import java.time.Duration;
import org.taskfs.coord.pool.Pool;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --heartbeat} and {@code --node-timeout} of the commands that run a coordinator (serve, up): how
 * often it asks each member whether it is there, and how long a member that is connected but silent
 * (unreachable) is waited for before its tasks are given up as Lost.
 */
final class PoolOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "1", converter = Seconds.class,
            description = "Ask each member whether it is there this often; two beats unanswered make it "
                    + "unreachable: nothing new goes there, its tasks wait for it (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--node-timeout", paramLabel = "SECONDS", defaultValue = "60", converter = Seconds.class,
            description = "A member silent this long is lost and its tasks with it; a closed connection is a loss "
                    + "at once. At least two heartbeats (default: ${DEFAULT-VALUE}).")
    Duration nodeTimeout;

    @Option(names = "--res-wait", paramLabel = "SECONDS", converter = WaitSeconds.class,
            description = "How long a res that the pool could satisfy later waits for slots (state Pending) before "
                    + "it fails, when it gives no wait=SECONDS itself; 0: fail at once when the slots are not free "
                    + "(default: until its client gives up, Ctrl-C or a closed connection; a waiting res holds "
                    + "nothing).")
    Duration resWait;

    /** The pool's timings with these; a usage error if they do not make sense together. */
    Pool.Settings settings() {
        try {
            Pool.Settings d = Pool.Settings.DEFAULTS;
            return new Pool.Settings(heartbeat, d.requestTimeout(), d.reconnect(), nodeTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(),
                    "--node-timeout " + Pool.Settings.seconds(nodeTimeout) + " with --heartbeat "
                            + Pool.Settings.seconds(heartbeat) + ": " + e.getMessage());
        }
    }

    /** Decimal seconds as {@link Seconds}, 0 allowed. */
    static final class WaitSeconds implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                if (new BigDecimal(value.trim()).signum() == 0) {
                    return Duration.ZERO;
                }
            } catch (NumberFormatException e) {
                // reported by Seconds
            }
            return new Seconds().convert(value);
        }
    }

    /** Decimal seconds ({@code 0.2}, {@code 60}), more than 0 and to the millisecond. */
    static final class Seconds implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            BigDecimal s;
            try {
                s = new BigDecimal(value.trim());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a number of seconds");
            }
            if (s.signum() <= 0) {
                throw new CommandLine.TypeConversionException("'" + value + "': must be more than 0 seconds");
            }
            BigDecimal millis = s.movePointRight(3);
            if (millis.compareTo(BigDecimal.ONE) < 0 || millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
                throw new CommandLine.TypeConversionException("'" + value + "': out of range (0.001 up to years)");
            }
            return Duration.ofMillis(millis.longValue());
        }
    }
}
