package vigil.core.election;

import java.util.Comparator;

/**
 * How fit a node is to lead, as the node itself reports it, and where its data stands. Without managed PostgreSQL
 * every data node is eligible at position (0, 0). With PostgreSQL the position is the standby's (timeline, durable
 * received LSN): a voter grants its vote only to a candidate at least as advanced as itself and every standby it
 * knows of, so the most advanced reachable standby wins.
 *
 * <p>{@code known} says whether the position is the node's durable position now. It is false while PostgreSQL is
 * down or has not yet told where its WAL ends: in synchronous mode such a voter cannot vouch that a candidate holds
 * every commit it acknowledged, so it refuses to vote ({@link Standing#deserves}).
 */
public record Candidacy(boolean eligible, long timeline, long lsn, boolean known) implements Comparable<Candidacy> {
    public static final Candidacy ELIGIBLE = new Candidacy(true, 0, 0, true);
    public static final Candidacy INELIGIBLE = new Candidacy(false, 0, 0, false);

    private static final Comparator<Candidacy> ORDER = Comparator.comparingLong(Candidacy::timeline)
            .thenComparingLong(Candidacy::lsn);

    /** A position the node knows to be its durable one. */
    public Candidacy(boolean eligible, long timeline, long lsn) {
        this(eligible, timeline, lsn, true);
    }

    /** Orders by position only (timeline, then LSN); eligibility is checked separately. */
    @Override
    public int compareTo(Candidacy other) {
        return ORDER.compare(this, other);
    }

    public boolean atLeast(Candidacy other) {
        return compareTo(other) >= 0;
    }

    /** Timeline and LSN as PostgreSQL writes them ("TL 3 at 0/3A0001F8"), for reasons. */
    public String position() {
        return "TL " + timeline + " at " + lsnText(lsn);
    }

    /** An LSN as PostgreSQL writes it ("0/3A0001F8"): the core's one formatter, for reasons. */
    public static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase();
    }
}
