package vigil.core.election;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A leader's bookkeeping for one term. The lease runs to {@code leaseUntil}: the local send time of the newest
 * heartbeat a majority (the leader included) acknowledged, plus {@link Timing#leaderLeaseMs()}.
 *
 * @param sentAt recent heartbeat sequence numbers and their local send times (bounded)
 * @param acked  per follower, the newest heartbeat sequence it acknowledged
 * @param leaseUntil 0 until the first majority acknowledgement
 */
public record Leadership(long term, long electedAt, long seq, long lastSentAt, NavigableMap<Long, Long> sentAt,
                         Map<String, Long> acked, long leaseStart, long leaseUntil) {
    static final int KEEP_SENT = 256;

    public Leadership {
        sentAt = new TreeMap<>(sentAt);
        acked = Map.copyOf(acked);
    }

    static Leadership elected(long term, long now) {
        return new Leadership(term, now, 0, Long.MIN_VALUE / 4, new TreeMap<>(), Map.of(), 0, 0);
    }

    boolean leaseEstablished() {
        return leaseUntil > 0;
    }

    /** When a leader that has not renewed its lease must give up the role. */
    long stepDownAt(Timing timing) {
        return leaseEstablished() ? leaseUntil : electedAt + timing.leaseMs();
    }

    @Override
    public NavigableMap<Long, Long> sentAt() {
        return java.util.Collections.unmodifiableNavigableMap(sentAt);
    }
}
