package vigil.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code node.watchdog:} section, defaults applied.
 *
 * <p>Invariants of a loaded config (checked by the loader): {@code timeout} is a positive whole number of seconds,
 * because the Linux watchdog API ({@code WDIOC_SETTIMEOUT}) and softdog take whole seconds; {@code resetSlack} is
 * positive; and unless the mode is {@link WatchdogMode#OFF},
 * {@code timeout + resetSlack + FENCE_MARGIN <= lease x (1 - 2 x clock_drift_bound)}, so a node whose daemon stops
 * kicking is reset before the lease it last held can end. That is what lets peers treat "armed watchdog + ended
 * lease" as proof that the node's PostgreSQL can no longer write.
 *
 * @param resetSlack how late after {@code timeout} the device may actually reset the host (iTCO fires at about
 *                   twice its timeout: there, set it to the timeout)
 */
public record WatchdogSettings(WatchdogMode mode, Path device, Duration timeout, Duration resetSlack) {
    /** Time the lease must keep beyond the watchdog's effective timeout (interim rule, see the class comment). */
    public static final Duration FENCE_MARGIN = Duration.ofMillis(150);

    /** No watchdog: what code-built settings (not read from a file) get, so they never touch a device. */
    public static final WatchdogSettings OFF = new WatchdogSettings(WatchdogMode.OFF, Path.of("/dev/watchdog"),
            Duration.ofSeconds(1), Duration.ofMillis(100));

    public WatchdogSettings {
        if (timeout.isNegative() || timeout.isZero() || timeout.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("watchdog timeout must be a positive whole number of seconds, got "
                    + timeout);
        }
        if (resetSlack.isNegative()) {
            throw new IllegalArgumentException("watchdog reset_slack must not be negative, got " + resetSlack);
        }
    }

    /** Longest time from the last kick to the reset: timeout plus the device's lateness. */
    public Duration effectiveTimeout() {
        return timeout.plus(resetSlack);
    }
}
