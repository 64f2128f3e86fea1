package vigil.daemon;

import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

/**
 * The one line systemd shows as the unit's {@code Status:} ({@code systemctl status vigild}), sent as sd_notify's
 * {@code STATUS=} whenever it changes: what {@code vigilctl status} says of this node, shortened. This node's role
 * and term, the leader it knows, the quorum it sees, and with PostgreSQL its server's role, the recorded primary and
 * the supervisor's last reason, and why this node is not a candidate when it is not: enough to tell at a glance a healthy node from one that waits, and for what.
 */
final class StatusLine {
    private StatusLine() {}

    static String of(StatusView s) {
        StringBuilder b = new StringBuilder();
        if (s.postgres() != null && s.postgres().paused() != null) b.append("MAINTENANCE MODE; ");
        b.append(s.role()).append(" in term ").append(s.term());
        if (!"leader".equals(s.role())) b.append(s.leader() == null ? ", no leader" : ", leader " + s.leader());
        b.append("; quorum ").append(s.reachableVoters()).append('/').append(s.voters());
        if (!s.quorum()) b.append(" (none)");
        if (s.postgres() != null) {
            var mine = s.nodes().stream().filter(NodeStatusView::self).findFirst().map(NodeStatusView::postgres).orElse(null);
            b.append("; PostgreSQL ").append(mine == null ? "unknown" : mine.role());
            String primary = s.postgres().primary();
            if (primary == null) b.append(", no primary recorded");
            else if (!primary.equals(s.node())) b.append(", primary ").append(primary);
            if (s.postgres().reason() != null) b.append(" (").append(s.postgres().reason()).append(')');
            if (mine != null && mine.notCandidate() != null) b.append("; not a candidate: ").append(mine.notCandidate());
        }
        return b.toString();
    }
}
