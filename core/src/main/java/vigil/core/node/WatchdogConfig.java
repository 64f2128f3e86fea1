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

    /**
     * How long before the lease ends this device may reset a leader that lost its lease: keep-alives stop
     * {@code effectiveMs() + KICK_GUARD_MS} before the end, the last one up to {@code KICK_EVERY_MS} earlier, and the
     * device may fire right at its timeout. A self-fence must be verified before then, so the margin grows by this
     * much ({@link NodeConfig}). Always less than the timeout, which is a whole second or more.
     */
    public long earliestResetBeforeLeaseEndMs() {
        return enabled() ? slackMs + Node.KICK_GUARD_MS + Node.KICK_EVERY_MS : 0;
    }

    public boolean enabled() {
        return mode != Mode.OFF;
    }
}
