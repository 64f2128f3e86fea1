package vigil.core.sim;

/**
 * A host's monotonic clock for one boot: an arbitrary origin, a rate anywhere within the drift bound, and it stands
 * still while the whole host is suspended (a paused VM), as CLOCK_MONOTONIC does. Processes of the host share it, so
 * a time persisted by one vigild is comparable for the next within the same boot.
 */
final class SimClock {
    private final long originLocalMs;
    private final long originRealUs;
    private final double rate;
    private long frozenUs;
    private long suspendedAtUs = -1;

    SimClock(long originLocalMs, long originRealUs, double rate) {
        this.originLocalMs = originLocalMs;
        this.originRealUs = originRealUs;
        this.rate = rate;
    }

    long localMs(long realUs) {
        long end = suspendedAtUs >= 0 ? suspendedAtUs : realUs;
        return originLocalMs + (long) Math.floor(rate * (end - originRealUs - frozenUs) / 1000.0);
    }

    /** The real instant at which this clock reads {@code localMs} (if the host is not suspended before). */
    long realUsAt(long localMs, long nowUs) {
        long at = originRealUs + frozenUs + (long) Math.ceil((localMs - originLocalMs) * 1000.0 / rate);
        return Math.max(at, nowUs);
    }

    void suspend(long realUs) {
        if (suspendedAtUs < 0) suspendedAtUs = realUs;
    }

    void resume(long realUs) {
        if (suspendedAtUs >= 0) {
            frozenUs += realUs - suspendedAtUs;
            suspendedAtUs = -1;
        }
    }

    boolean suspended() {
        return suspendedAtUs >= 0;
    }
}
