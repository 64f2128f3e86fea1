package vigil.core.node;

/**
 * @param status    OFF (not configured), DISARMED (closed), ARMING (asked to open), ARMED (open, ticking), FAILED
 *                  (could not be armed: no watchdog proof from this node; in REQUIRED mode it cannot be primary)
 * @param lastKick  when the last keep-alive was asked for (own clock)
 */
public record WatchdogState(Status status, long lastKick) {
    public enum Status { OFF, DISARMED, ARMING, ARMED, FAILED }

    static WatchdogState boot(WatchdogConfig c) {
        return new WatchdogState(c.enabled() ? Status.DISARMED : Status.OFF, Long.MIN_VALUE / 4);
    }

    WatchdogState with(Status s) {
        return new WatchdogState(s, lastKick);
    }

    public boolean armed() {
        return status == Status.ARMED;
    }
}
