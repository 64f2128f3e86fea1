package vigil.config;

/** Whether vigild uses a hardware (or softdog) watchdog: {@code node.watchdog.mode}. */
public enum WatchdogMode {
    /** Never opens a device; the node offers no watchdog proof. */
    OFF,
    /** Uses the device when it exists and can be armed; otherwise runs without one and warns once. */
    AUTO,
    /** Refuses to run without it: a bad config if the device is missing, exit 1 if it cannot be armed. */
    REQUIRED
}
