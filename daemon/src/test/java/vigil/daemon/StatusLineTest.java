package vigil.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;

/** {@link StatusLine}: the unit's one-line status says this node's role, the leader, the quorum and its PostgreSQL. */
class StatusLineTest {
    private static PgNodeView pg(String role) {
        return new PgNodeView(role, 1L, "0/3000060", 0L, false, true, 0);
    }

    @Test
    void aLeaderServingAsPrimary() {
        StatusView s = new StatusView(1, "n1", "maas", "leader", 3, "n1", 1200, true, 3, 3, List.of(
                new NodeStatusView("n1", "data", "leader", true, true, pg("primary")),
                new NodeStatusView("n2", "data", "follower", true, false, pg("standby"))),
                new PgClusterView("n1", 1, List.of(), false, "PRIMARY_HEALTHY"));
        assertEquals("leader in term 3; quorum 3/3; PostgreSQL primary (PRIMARY_HEALTHY)", StatusLine.of(s));
    }

    @Test
    void aFollowerWaitingForAProofWithoutQuorum() {
        StatusView s = new StatusView(1, "n2", "maas", "candidate", 5, null, 0, false, 3, 1, List.of(
                new NodeStatusView("n1", "data", "unknown", false, false, pg("primary")),
                new NodeStatusView("n2", "data", "candidate", true, true, pg("standby"))),
                new PgClusterView("n1", 1, List.of(), false, "FENCING_REQUIRED"));
        assertEquals("candidate in term 5, no leader; quorum 1/3 (none); PostgreSQL standby, primary n1 (FENCING_REQUIRED)",
                StatusLine.of(s));
    }

    @Test
    void aStandbyThatIsNoCandidateSaysWhy() {
        StatusView s = new StatusView(1, "n2", "maas", "follower", 3, "n1", 0, true, 3, 3, List.of(
                new NodeStatusView("n2", "data", "follower", true, true, new PgNodeView("standby", 1L, "0/3000060", 0L,
                        null, false, false, 0, null, "banned by an operator (vigilctl unban n2)"))),
                new PgClusterView("n1", 1, List.of(), false, "STANDBY_HEALTHY"));
        assertEquals("follower in term 3, leader n1; quorum 3/3; PostgreSQL standby, primary n1 (STANDBY_HEALTHY); not a"
                + " candidate: banned by an operator (vigilctl unban n2)", StatusLine.of(s));
    }

    @Test
    void withoutPostgresOnlyTheElection() {
        StatusView s = new StatusView(1, "w1", "maas", "follower", 2, "n1", 0, true, 3, 3, List.of(
                new NodeStatusView("w1", "witness", "follower", true, true)));
        assertEquals("follower in term 2, leader n1; quorum 3/3", StatusLine.of(s));
    }
}
