package vigil.core.election;

import java.util.Map;

/**
 * A leader's bookkeeping for one term. The lease runs to {@code leaseUntil}: the local send time of the newest
 * heartbeat a majority (the leader included) acknowledged, plus {@link Timing#leaderLeaseMs()}.
 *
 * @param sentAt the local send times of the most recent heartbeats (the newest {@value #KEEP_SENT})
 * @param acked  per follower, the newest heartbeat sequence it acknowledged
 * @param leaseUntil 0 until the first majority acknowledgement
 * @param recordSeq  the first heartbeat that carried the current record version
 * @param recordCommitted a majority acknowledged a heartbeat carrying the current record: any later leader knows it
 * @param handedOverBy    the leader that resigned naming this node and so began the campaign that won this term
 *                        ({@link Campaign#nominatedBy}): a planned hand-over, not a loss; null when this node stood on
 *                        its own. Memory only, and never a proof of anything: the supervisor uses it only to say why
 *                        a promotion happened
 */
public record Leadership(long term, long electedAt, long seq, long lastSentAt, SentTimes sentAt,
                         Map<String, Long> acked, long leaseStart, long leaseUntil, long recordSeq,
                         boolean recordCommitted, String handedOverBy) {
    static final int KEEP_SENT = 256;

    public Leadership {
        java.util.Objects.requireNonNull(sentAt, "sentAt");
        acked = Map.copyOf(acked);
    }

    /** Not handed over. */
    public Leadership(long term, long electedAt, long seq, long lastSentAt, SentTimes sentAt, Map<String, Long> acked,
                      long leaseStart, long leaseUntil, long recordSeq, boolean recordCommitted) {
        this(term, electedAt, seq, lastSentAt, sentAt, acked, leaseStart, leaseUntil, recordSeq, recordCommitted, null);
    }

    static Leadership elected(long term, long now, String handedOverBy) {
        return new Leadership(term, now, 0, Long.MIN_VALUE / 4, SentTimes.none(), Map.of(), 0, 0, 1, false,
                handedOverBy);
    }

    public boolean leaseEstablished() {
        return leaseUntil > 0;
    }

    /** When a leader that has not renewed its lease must give up the role. */
    long stepDownAt(Timing timing) {
        return leaseEstablished() ? leaseUntil : electedAt + timing.leaseMs();
    }

    Leadership withAcked(Map<String, Long> newAcked) {
        return new Leadership(term, electedAt, seq, lastSentAt, sentAt, newAcked, leaseStart, leaseUntil, recordSeq,
                recordCommitted, handedOverBy);
    }

    Leadership withLease(long start, long until, boolean committed) {
        return new Leadership(term, electedAt, seq, lastSentAt, sentAt, acked, start, until, recordSeq, committed,
                handedOverBy);
    }

    /** Heartbeat {@code newSeq} sent {@code now}. */
    Leadership withSent(long newSeq, long now) {
        return new Leadership(term, electedAt, newSeq, now, sentAt.with(newSeq, now, KEEP_SENT), acked, leaseStart,
                leaseUntil, recordSeq, recordCommitted, handedOverBy);
    }

    /** The record changed: it is committed once a majority acknowledged the next heartbeat, which carries it. */
    Leadership recordChanged() {
        return new Leadership(term, electedAt, seq, lastSentAt, sentAt, acked, leaseStart, leaseUntil, seq + 1, false,
                handedOverBy);
    }
}
