package vigil.core.node;

import java.util.List;
import java.util.Map;

/**
 * Where the VIPs placed by checks ({@link VipGroup#TRACKED}) stand, as this node knows them.
 *
 * @param held    whether they are on this host
 * @param checks  this node's tracked checks
 * @param grantee this node as a possible holder: the grant it holds them under
 * @param grantor this node as the leader: to whom it grants them, and until when that grant may last
 * @param guardAt the instant (own clock) the release guard removes them unless moved ({@link Effect.VipDownAt})
 */
public record TrackedState(VipState held, Checks checks, Grantee grantee, Grantor grantor, long guardAt) {
    public static final TrackedState INITIAL = new TrackedState(VipState.DOWN, Checks.UNKNOWN, Grantee.NONE,
            Grantor.NONE, Long.MAX_VALUE);

    TrackedState with(VipState h) {
        return new TrackedState(h, checks, grantee, grantor, guardAt);
    }

    TrackedState with(Checks c) {
        return new TrackedState(held, c, grantee, grantor, guardAt);
    }

    TrackedState with(Grantee g) {
        return new TrackedState(held, checks, g, grantor, guardAt);
    }

    TrackedState with(Grantor g) {
        return new TrackedState(held, checks, grantee, g, guardAt);
    }

    TrackedState guardAt(long at) {
        return new TrackedState(held, checks, grantee, grantor, at);
    }

    /** The verdict of this node's tracked checks; none passes before the first verdict. */
    public record Checks(boolean pass, String detail, long since) {
        public static final Checks UNKNOWN = new Checks(false, "no verdict of the tracked checks yet", Long.MIN_VALUE);
    }

    /**
     * @param sent       the acknowledgements this node sent lately, oldest first: a grant counts from one of them
     * @param until      the grant lasts until then, on this node's clock (Long.MIN_VALUE: none)
     * @param voidBefore a grant counted from an acknowledgement sent before this is void: the node dropped the VIPs of
     *                   its own accord since (its checks failed), and takes them again only on a later grant
     * @param holder     the holder the leader last named (for status; null: none or not known)
     */
    public record Grantee(List<SentAck> sent, long until, long voidBefore, String holder) {
        public static final Grantee NONE = new Grantee(List.of(), Long.MIN_VALUE, Long.MIN_VALUE, null);

        public Grantee {
            sent = List.copyOf(sent);
        }
    }

    /** Acknowledgement {@code seq} of {@code term}, sent at {@code at} (this node's clock, at or before the send). */
    public record SentAck(long term, long seq, long at) {}

    /**
     * @param term        the term this account belongs to (a new term starts a new one)
     * @param holder      the node the VIPs are granted to (null: nobody)
     * @param holderUntil the end of the last grant sent to {@code holder}, on the leader's clock: nobody else gets them
     *                    before then (Long.MIN_VALUE: none sent)
     * @param acks        the last acknowledgement received from each follower in {@code term}
     */
    public record Grantor(long term, String holder, long holderUntil, Map<String, HeardAck> acks) {
        public static final Grantor NONE = new Grantor(0, null, Long.MIN_VALUE, Map.of());

        public Grantor {
            acks = Map.copyOf(acks);
        }
    }

    /** Acknowledgement {@code seq}, received at {@code at} (the leader's clock). */
    public record HeardAck(long seq, long at) {}
}
