package vigil.daemon.watchdog;

import java.nio.file.Files;
import vigil.config.VigilConfig;
import vigil.config.WatchdogMode;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.loop.Drivers;

/**
 * The watchdog as the node loop drives it. Nothing is opened at start: opening the device starts (or restarts) its
 * timer, and the node step opens it only as a leader whose lease covers the watchdog's timeout, so a restarted vigild
 * can never postpone a reset that its crashed predecessor's peers count on.
 */
public final class WatchdogDevice implements Drivers.Watchdog {
    private final Watchdog watchdog;
    private final boolean fatal;

    private WatchdogDevice(Watchdog watchdog, boolean fatal) {
        this.watchdog = watchdog;
        this.fatal = fatal;
    }

    /**
     * The device for this node, or null when there is none to use: {@code mode: off}, or {@code auto} without a device
     * (logged once). {@code required} without a device is a configuration error caught at load time; should the
     * device vanish after that, {@link #fatal()} says the daemon must not run.
     */
    public static WatchdogDevice of(VigilConfig cfg, Log log) {
        var w = cfg.node().watchdog();
        if (w.mode() == WatchdogMode.OFF) return null;
        if (!Files.exists(w.device())) {
            if (w.mode() == WatchdogMode.REQUIRED) {
                log.event(Priority.ERR, "failed", "reason", "WATCHDOG_REQUIRED", "device", w.device(),
                        "hint", "the device vanished since the configuration was checked: load its driver");
                return new WatchdogDevice(null, true);
            }
            log.event(Priority.WARNING, "watchdog_unavailable", "device", w.device(), "reason", "DEVICE_MISSING",
                    "hint", "this node offers no watchdog proof: a crash of it needs a fence agent or an operator");
            return null;
        }
        try {
            Libc.load(); // binds JNA now, not at the first arm: that comes in the middle of a failover (~0.1 s)
        } catch (RuntimeException | LinkageError e) {
            // reported by the first arm, with the reason
        }
        return new WatchdogDevice(new Watchdog(w, log), false);
    }

    public boolean fatal() {
        return fatal;
    }

    @Override
    public String arm() {
        ArmResult r = watchdog.arm();
        return r.armed() ? null : r.reason() + ": " + r.detail();
    }

    @Override
    public void kick() {
        watchdog.kick();
    }

    @Override
    public void disarm() {
        watchdog.disarm();
    }
}
