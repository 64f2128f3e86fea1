package vigil.daemon.loop;

/**
 * When the primary's WAL position, as this node learns it, reached each value: the time a standby's lag in bytes
 * stands for. A standby at position P lags by the time since the primary was first seen beyond P, the age of the
 * oldest WAL the standby lacks (pg_stat_replication's {@code replay_lag} measures the same from the primary's side,
 * but only the primary has it, and only while the standby streams); a standby at or beyond the primary's newest
 * known position lags by nothing. For monitoring only: no decision reads it (failover compares positions in bytes).
 *
 * <p>Precision: a position is seen when this node learns it (its own probe on the primary's node: every 100 ms while
 * the position moves; relayed with the leader's heartbeats elsewhere), so the figure is that late at most, and it
 * says "at least" when the standby lacks WAL older than what is kept: {@link #KEPT} samples, at most one per
 * {@link #SAMPLE_MS}, over 13 minutes while writes flow. A new timeline (a promotion) starts the history afresh.
 *
 * <p>The node loop feeds it after each step; status and metrics read it from their own threads (the HTTP endpoint's,
 * the status line's): both hold its lock, uncontended but for a scrape.
 */
final class PrimaryProgress {
    /** Samples kept: a ring, the oldest overwritten. */
    static final int KEPT = 8192;
    /** At most one sample per this many ms: a primary written without pause fills the ring in 13.6 minutes. */
    static final long SAMPLE_MS = 100;

    private final long[] lsns = new long[KEPT];
    private final long[] times = new long[KEPT];
    private int first;
    private int count;
    private long timeline = -1;

    /** The primary was seen at {@code lsn} on {@code timeline} at {@code nowMs}. */
    synchronized void saw(long timeline, long lsn, long nowMs) {
        if (timeline != this.timeline) {
            this.timeline = timeline;
            count = 0;
            first = 0;
        }
        if (count > 0) {
            int last = index(count - 1);
            if (lsn <= lsns[last]) return;
            if (nowMs - times[last] < SAMPLE_MS) {
                lsns[last] = lsn; // still the same sample: the newest position, first seen at its time
                return;
            }
        }
        if (count == KEPT) {
            first = (first + 1) % KEPT;
            count--;
        }
        lsns[index(count)] = lsn;
        times[index(count)] = nowMs;
        count++;
    }

    /**
     * How long ago (seconds) the primary was first seen beyond {@code lsn} on {@code timeline}: 0 when it has not
     * been seen beyond it, null when nothing was seen on that timeline.
     */
    synchronized Double lagSeconds(long timeline, long lsn, long nowMs) {
        if (timeline != this.timeline || count == 0) return null;
        if (lsn >= lsns[index(count - 1)]) return 0.0;
        // The first sample beyond lsn: the primary's position crossed lsn after the sample before it.
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (lsns[index(mid)] > lsn) hi = mid;
            else lo = mid + 1;
        }
        return Math.max(0, nowMs - times[index(lo)]) / 1000.0;
    }

    private int index(int i) {
        return (first + i) % KEPT;
    }
}
