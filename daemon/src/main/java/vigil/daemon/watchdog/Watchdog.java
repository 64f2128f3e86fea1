package vigil.daemon.watchdog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import vigil.config.WatchdogMode;
import vigil.config.WatchdogSettings;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.watchdog.ArmResult.Outcome;
import vigil.daemon.watchdog.ArmResult.Reason;

/**
 * The watchdog driver: arms a Linux watchdog device ({@code /dev/watchdog}), kicks it, and disarms it with the
 * magic close. It decides nothing: the core says when to arm, kick and disarm.
 *
 * <p>Invariants:
 * <ul>
 * <li>While {@link #armed()}, the device is open and resets the host no later than {@link #effectiveTimeoutMs()}
 *     after the last kick that returned true (or the arm), unless {@link #disarm()} succeeded. A crash of vigild
 *     closes the descriptor without the magic byte, which the kernel answers with "unexpected close, not stopping
 *     watchdog": the host is reset. That is the point.
 * <li>Opening the device is itself a keep-alive (the kernel starts or pings the timer on open): arm only when a
 *     kick would be allowed as well.
 * <li>An armed result carries a timeout the device itself reported; a character device that cannot report it is
 *     refused, because its unknown timeout would make the node's "armed watchdog" proof false. Only a FIFO or a
 *     file answering ENOTTY (a test fake) is accepted with the configured timeout, as
 *     {@link Outcome#ARMED_WITHOUT_TIMEOUT_CONTROL}, and logged as a warning.
 * <li>{@link #kick()} never blocks (O_NONBLOCK) and allocates nothing when it succeeds; its failures are logged at
 *     most every 10 s, with a count.
 * <li>Magic close ({@code 'V'}, then close) stops the timer only if the driver was not built with {@code nowayout};
 *     with it, even a clean stop resets the host after the timeout. vigild cannot tell which.
 * </ul>
 * One thread (the loop) calls {@link #arm()}, {@link #kick()} and {@link #disarm()}; {@link #armed()} and
 * {@link #effectiveTimeoutMs()} may be read from any thread.
 */
public final class Watchdog {
    static final byte KICK = 'k';
    static final byte MAGIC = 'V';
    private static final long FAILURE_LOG_INTERVAL_NS = 10_000_000_000L;
    private static final int TYPE_MASK = 0170000;
    private static final int CHAR_DEVICE = 0020000;

    private final WatchdogSettings settings;
    private final String device;
    private final Log log;
    private final Supplier<Syscalls> syscalls;
    private Syscalls sys;
    private int fd = -1;
    private volatile boolean armed;
    private volatile long effectiveTimeoutMs;
    private ArmResult current;
    /** The detail of the last logged arm failure: {@code mode: auto} warns once per distinct problem. */
    private String lastFailure;
    private boolean kicksFailing;
    private long failedKicks;
    private long lastFailureLogNs;

    public Watchdog(WatchdogSettings settings, Log log) {
        this(settings, log, Libc::load);
    }

    Watchdog(WatchdogSettings settings, Log log, Supplier<Syscalls> syscalls) {
        this.settings = settings;
        this.device = settings.device().toString();
        this.log = log;
        this.syscalls = syscalls;
        this.effectiveTimeoutMs = settings.effectiveTimeout().toMillis();
    }

    /**
     * Opens the device and sets its timeout, unless it is armed already (then returns the result that armed it).
     * Never throws and never blocks for long: a missing device, a FIFO without a reader (ENXIO), a device held by
     * another process (EBUSY) or one that will not take the timeout give {@link Outcome#UNAVAILABLE} in
     * {@code auto} mode and {@link Outcome#FAILED} in {@code required} mode. A device opened but refused is closed
     * with the magic byte first. Logged once per outcome.
     */
    public ArmResult arm() {
        if (armed) {
            return current;
        }
        if (settings.mode() == WatchdogMode.OFF) {
            if (current == null) {
                current = new ArmResult(Outcome.OFF, Reason.MODE_OFF, device, 0, 0, "node.watchdog.mode is off");
                log.event(Priority.INFO, "watchdog_off", "device", device, "reason", Reason.MODE_OFF);
            }
            return current;
        }
        if (!Files.exists(settings.device())) {
            return failed(Reason.DEVICE_MISSING, device + " does not exist", "load the watchdog driver (the board's,"
                    + " e.g. iTCO_wdt, or softdog) or fix node.watchdog.device");
        }
        Syscalls s;
        try {
            s = sys();
        } catch (UnsupportedOperationException | LinkageError e) {
            return failed(Reason.NATIVE_UNAVAILABLE, "cannot call libc through JNA: " + e.getMessage(),
                    "run on Linux x86-64 or aarch64 with an executable temporary directory (or set -Djna.tmpdir)");
        }
        boolean charDevice = isCharDevice(settings.device());
        int opened;
        try {
            opened = s.openWriteOnly(device);
        } catch (ErrnoException e) {
            return failed(Reason.OPEN_FAILED, e.getMessage(), openHint(e.errno));
        }
        int wanted = Math.toIntExact(settings.timeout().toSeconds());
        try {
            int set = s.setTimeout(opened, wanted);
            int readBack = s.getTimeout(opened);
            if (readBack <= 0 || readBack > wanted) {
                String closed = abandon(s, opened);
                return failed(Reason.TIMEOUT_NOT_HONOURED, "asked for a " + wanted + " s timeout, the device set " + set
                        + " s and reports " + readBack + " s; " + closed, "choose a node.watchdog.timeout the device"
                        + " supports (see its driver's documentation)");
            }
            return armed(Outcome.ARMED, Reason.TIMEOUT_SET, opened, readBack, "timeout set and read back");
        } catch (ErrnoException e) {
            if (e.errno == ErrnoException.ENOTTY && !charDevice) {
                return armed(Outcome.ARMED_WITHOUT_TIMEOUT_CONTROL, Reason.NOT_A_WATCHDOG_DEVICE, opened, wanted,
                        "not a watchdog device (" + e.getMessage() + "): a test fake, the configured timeout is"
                        + " assumed and only its reader can reset anything");
            }
            String closed = abandon(s, opened);
            return failed(Reason.NO_TIMEOUT_CONTROL, e.getMessage() + ", so the device's timeout is unknown; " + closed,
                    "use a watchdog driver that supports WDIOC_SETTIMEOUT, or set node.watchdog.mode: off");
        }
    }

    /** One keep-alive: writes one byte. Returns false when not armed or when the write failed (logged, rate-limited). */
    public boolean kick() {
        if (!armed) {
            return false;
        }
        int errno = sys.writeByte(fd, KICK);
        if (errno == 0) {
            if (kicksFailing) {
                kicksFailing = false;
                log.event(Priority.NOTICE, "watchdog_kick_ok", "device", device, "failed_kicks", failedKicks);
                failedKicks = 0;
            }
            return true;
        }
        failedKicks++;
        long now = System.nanoTime();
        if (!kicksFailing || now - lastFailureLogNs >= FAILURE_LOG_INTERVAL_NS) {
            log.event(Priority.WARNING, "watchdog_kick_failed", "device", device, "error", ErrnoException.name(errno),
                    "failed_kicks", failedKicks, "hint", "the device resets the host "
                    + effectiveTimeoutMs + " ms after the last kick that worked");
            lastFailureLogNs = now;
            kicksFailing = true;
        }
        return false;
    }

    /**
     * Magic close: writes {@code 'V'}, then closes, so the timer stops (unless the driver has nowayout). Returns
     * true when the magic byte was written and the device closed, or nothing was armed; false when the device may
     * still reset the host (logged as an error). Either way the device is no longer armed by this driver.
     */
    public boolean disarm() {
        if (!armed) {
            return true;
        }
        armed = false;
        int f = fd;
        fd = -1;
        int errno = sys.writeByte(f, MAGIC);
        String closeError = null;
        try {
            sys.closeFd(f);
        } catch (ErrnoException e) {
            closeError = e.getMessage();
        }
        boolean ok = errno == 0 && closeError == null;
        if (ok) {
            log.event(Priority.NOTICE, "watchdog_disarmed", "device", device, "outcome", "MAGIC_CLOSE");
        } else {
            log.event(Priority.ERR, "watchdog_disarm_failed", "device", device, "error",
                    errno != 0 ? "write of 'V' failed: " + ErrnoException.name(errno) : closeError,
                    "hint", "the device was closed without the magic byte and resets the host " + effectiveTimeoutMs
                    + " ms after the last kick");
        }
        return ok;
    }

    /** True while the device is open and counting. */
    public boolean armed() {
        return armed;
    }

    /**
     * While armed: the device's timeout (as it reported it) plus {@code reset_slack}, the longest time from the last
     * kick to the reset. Otherwise the configured {@code timeout + reset_slack}.
     */
    public long effectiveTimeoutMs() {
        return effectiveTimeoutMs;
    }

    private Syscalls sys() {
        if (sys == null) {
            sys = syscalls.get();
        }
        return sys;
    }

    private ArmResult armed(Outcome outcome, Reason reason, int opened, int timeoutSeconds, String detail) {
        fd = opened;
        long effective = timeoutSeconds * 1000L + settings.resetSlack().toMillis();
        effectiveTimeoutMs = effective;
        current = new ArmResult(outcome, reason, device, timeoutSeconds, effective, detail);
        armed = true;
        lastFailure = null;
        kicksFailing = false;
        failedKicks = 0;
        log.event(outcome == Outcome.ARMED ? Priority.NOTICE : Priority.WARNING, "watchdog_armed", "device", device,
                "outcome", outcome, "reason", reason, "timeout_s", timeoutSeconds, "effective_timeout_ms", effective,
                "detail", detail);
        return current;
    }

    private ArmResult failed(Reason reason, String detail, String hint) {
        boolean required = settings.mode() == WatchdogMode.REQUIRED;
        current = new ArmResult(required ? Outcome.FAILED : Outcome.UNAVAILABLE, reason, device, 0, 0, detail);
        if (required) {
            log.event(Priority.ERR, "watchdog_failed", "device", device, "reason", reason, "error", detail,
                    "hint", hint + " (node.watchdog.mode is required: vigild does not run without it)");
        } else if (!detail.equals(lastFailure)) {
            log.event(Priority.WARNING, "watchdog_unavailable", "device", device, "reason", reason, "error", detail,
                    "hint", hint + "; until then this node runs without a watchdog and offers no watchdog proof");
        }
        lastFailure = detail;
        return current;
    }

    /** Closes a device this driver opened but will not use, with the magic byte; says what happened. */
    private static String abandon(Syscalls s, int opened) {
        int errno = s.writeByte(opened, MAGIC);
        try {
            s.closeFd(opened);
        } catch (ErrnoException e) {
            return "closing it failed (" + e.getMessage() + "): it may reset the host";
        }
        return errno == 0 ? "closed it with the magic byte" : "closed it without the magic byte ("
                + ErrnoException.name(errno) + "): it may reset the host";
    }

    private static String openHint(int errno) {
        return switch (errno) {
            case ErrnoException.ENXIO -> "a FIFO needs its reader (the test's fake watchdog) before vigild arms it";
            case ErrnoException.EBUSY -> "another process holds the device: stop it (the watchdog daemon, or"
                    + " systemd's RuntimeWatchdogSec=)";
            case ErrnoException.EACCES, 1 -> "vigild must run as root to open the watchdog device";
            case ErrnoException.ENOENT -> "load the watchdog driver or fix node.watchdog.device";
            default -> "check node.watchdog.device";
        };
    }

    /** True for a character device; when the type cannot be read, assume one (the stricter choice). */
    private static boolean isCharDevice(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode");
            return !(mode instanceof Integer m) || (m & TYPE_MASK) == CHAR_DEVICE;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return true;
        }
    }
}
