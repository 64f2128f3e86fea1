package vigil.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Rules for {@code node.watchdog}: the watchdog must fire inside the lease, and a required device must exist.
 *
 * <p>The lease rule, for now: {@code timeout + reset_slack + FENCE_MARGIN <= floor(lease x (1 - 2 rho))}, the
 * same leader lease the election computes. A node's daemon feeds the watchdog only while its lease stays valid for
 * longer than {@code timeout + reset_slack}; if a stalled daemon could not be reset before its lease ends, a peer
 * waiting for "lease ended + watchdog armed" could promote while the old primary still writes. Skipped for
 * {@code mode: off}, which makes no such promise.
 */
final class WatchdogRules {
    private static final String W = "node.watchdog.";
    private static final String T = "cluster.timing.";
    /** S_IFMT and S_IFCHR of st_mode. */
    private static final int TYPE_MASK = 0170000;
    private static final int CHAR_DEVICE = 0020000;

    private WatchdogRules() {}

    static void check(Bound b, Problems problems) {
        if (b.isInvalid(W + "mode") || b.isInvalid("node.watchdog") || b.isInvalid("node")
                || b.get(W + "mode") == WatchdogMode.OFF) {
            return;
        }
        fitsInLease(b, problems);
        device(b, problems);
    }

    private static void fitsInLease(Bound b, Problems problems) {
        Duration timeout = b.get(W + "timeout", Duration.class);
        Duration slack = b.get(W + "reset_slack", Duration.class);
        Duration lease = b.get(T + "lease", Duration.class);
        Double rho = b.get(T + "clock_drift_bound", Double.class);
        if (timeout == null || slack == null || lease == null || rho == null) {
            return; // one of them is already reported
        }
        long leaderLeaseMs = (long) Math.floor(lease.toMillis() * (1 - 2 * rho));
        Duration needed = timeout.plus(slack).plus(WatchdogSettings.FENCE_MARGIN);
        if (needed.compareTo(Duration.ofMillis(leaderLeaseMs)) > 0) {
            String at = firstWritten(b, W + "timeout", W + "reset_slack", T + "lease", T + "clock_drift_bound");
            problems.error(W + "timeout", b.at(at), "timeout " + fmt(timeout) + " + reset_slack " + fmt(slack)
                    + " + fence margin " + fmt(WatchdogSettings.FENCE_MARGIN) + " = " + fmt(needed)
                    + " exceeds the leader's lease, lease x (1 - 2 x clock_drift_bound) = " + fmt(lease) + " x "
                    + (1 - 2 * rho) + " = " + leaderLeaseMs + "ms: a stalled node must be reset before its lease ends"
                    + " — shorten timeout or reset_slack, raise cluster.timing.lease, or set node.watchdog.mode: off");
        }
    }

    private static void device(Bound b, Problems problems) {
        Path device = b.get(W + "device", Path.class);
        if (device == null) {
            return;
        }
        boolean required = b.get(W + "mode") == WatchdogMode.REQUIRED;
        String at = b.isWritten(W + "device") ? W + "device" : W + "mode";
        if (!Files.exists(device)) {
            if (required) {
                problems.error(W + "device", b.at(at), "watchdog device " + device + " does not exist and mode is"
                        + " required — load the watchdog driver (the board's, e.g. iTCO_wdt, or softdog), point"
                        + " device at it, or set mode: auto to run without a watchdog");
            }
            return;
        }
        if (!isCharDevice(device)) {
            problems.warning(W + "device", b.at(at), device + " is not a character device: vigild will use it as a"
                    + " test fake without timeout control, which resets nothing by itself — point device at the"
                    + " real watchdog (e.g. /dev/watchdog) outside tests");
        }
    }

    /** True for a character device; when the file type cannot be read, assume a device (the check only warns). */
    private static boolean isCharDevice(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode");
            return !(mode instanceof Integer m) || (m & TYPE_MASK) == CHAR_DEVICE;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return true;
        }
    }

    private static String firstWritten(Bound b, String... paths) {
        for (String p : paths) {
            if (b.isWritten(p)) {
                return p;
            }
        }
        return paths[0];
    }

    static String fmt(Duration d) {
        long nanos = d.toNanos();
        return nanos % 1_000_000 == 0 ? ValueType.format(d) : nanos / 1e6 + "ms";
    }
}
