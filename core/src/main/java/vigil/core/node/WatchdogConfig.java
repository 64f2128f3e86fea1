package vigil.core.node;

/**
 * This node's watchdog as the decisions see it.
 *
 * @param mode      OFF: none. AUTO: armed when it can be, else the node runs without one (and offers no watchdog
 *                  proof). REQUIRED: a node whose watchdog cannot be armed never lets PostgreSQL write.
 * @param timeoutMs the device's timeout
 * @param slackMs   how late the device may reset after its timeout
 */
public record WatchdogConfig(Mode mode, long timeoutMs, long slackMs) {
    public enum Mode { OFF, AUTO, REQUIRED }

    public static final WatchdogConfig OFF = new WatchdogConfig(Mode.OFF, 0, 0);

    public WatchdogConfig {
        if (mode != Mode.OFF && timeoutMs <= 0) throw new IllegalArgumentException("timeoutMs must be > 0");
        if (slackMs < 0) throw new IllegalArgumentException("slackMs < 0");
    }

    /** After its last keep-alive the host is reset at the latest this long after. */
    public long effectiveMs() {
        return timeoutMs + slackMs;
    }

    public boolean enabled() {
        return mode != Mode.OFF;
    }
}
