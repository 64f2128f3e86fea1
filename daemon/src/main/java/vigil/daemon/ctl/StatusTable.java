package vigil.daemon.ctl;

import java.util.ArrayList;
import java.util.List;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.StatusView;

/**
 * The human rendering of {@code status}: one header line with what an operator asks first (who leads,
 * in which term, is there a quorum), then one row per configured node. Cells are never blank so the
 * table stays easy to read with {@code awk}.
 */
final class StatusTable {
    private static final String[] COLUMNS = {"NODE", "KIND", "ROLE", "REACHABLE", "LEADER"};

    private StatusTable() {
    }

    static String render(StatusView s) {
        StringBuilder out = new StringBuilder();
        out.append("cluster ").append(s.cluster())
                .append(", node ").append(s.node()).append(" (").append(s.role()).append(')')
                .append(", term ").append(s.term())
                .append(", leader ").append(s.leader() == null ? "none" : s.leader())
                .append(", quorum ").append(s.reachableVoters()).append('/').append(s.voters())
                .append(s.quorum() ? " (ok)" : " (LOST)")
                .append(", lease ").append(s.leaseRemainingMs() > 0 ? s.leaseRemainingMs() + " ms remaining" : "not held")
                .append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(COLUMNS);
        for (NodeStatusView n : s.nodes()) {
            rows.add(new String[] {
                    n.self() ? n.name() + "*" : n.name(),
                    n.kind(),
                    n.role(),
                    n.reachable() ? "yes" : "no",
                    n.name().equals(s.leader()) ? "yes" : "no"});
        }
        int[] width = new int[COLUMNS.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(row[c]);
                if (c < row.length - 1) {
                    line.append(" ".repeat(width[c] - row[c].length() + 2));
                }
            }
            out.append(line).append('\n');
        }
        out.append("(* = this node)\n");
        return out.toString();
    }
}
