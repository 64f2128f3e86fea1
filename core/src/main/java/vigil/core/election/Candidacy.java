package vigil.core.election;

import java.util.Comparator;

/**
 * How fit a node is to lead, as the node itself reports it. Without managed PostgreSQL every data node is
 * eligible at position (0, 0). With PostgreSQL the position is the standby's (timeline, received LSN): a voter
 * grants its vote only to a candidate at least as advanced as itself and every standby it knows of, so the
 * most advanced reachable standby wins.
 */
public record Candidacy(boolean eligible, long timeline, long lsn) implements Comparable<Candidacy> {
    public static final Candidacy ELIGIBLE = new Candidacy(true, 0, 0);
    public static final Candidacy INELIGIBLE = new Candidacy(false, 0, 0);

    private static final Comparator<Candidacy> ORDER = Comparator.comparingLong(Candidacy::timeline)
            .thenComparingLong(Candidacy::lsn);

    /** Orders by position only (timeline, then LSN); eligibility is checked separately. */
    @Override
    public int compareTo(Candidacy other) {
        return ORDER.compare(this, other);
    }

    public boolean atLeast(Candidacy other) {
        return compareTo(other) >= 0;
    }
}
