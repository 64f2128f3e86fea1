package vigil.daemon.ctl;

import java.util.ArrayList;
import java.util.List;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;

/**
 * The human rendering of {@code status}: one header line with what an operator asks first (who leads,
 * in which term, is there a quorum), then one row per configured node. Cells are never blank so the
 * table stays easy to read with {@code awk}. Below it, one line per data node that could not be promoted now, with why.
 */
final class StatusTable {
    private static final String[] COLUMNS = {"NODE", "KIND", "ROLE", "REACHABLE", "LEADER"};
    private static final String[] PG_COLUMNS = {"NODE", "KIND", "ROLE", "REACHABLE", "LEADER", "PG", "TL", "LSN",
        "LAG", "LAG_S", "SYNC", "FAIL", "PROOF"};

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
        boolean pg = s.postgres() != null;
        if (pg && s.postgres().paused() != null) {
            out.append("*** MAINTENANCE MODE: ").append(s.postgres().paused())
                    .append(" — no automatic failover, restart or rejoin; the self-fence stays armed (vigilctl resume) ***\n");
        }
        if (pg) {
            out.append("postgres: primary ").append(s.postgres().primary() == null ? "none" : s.postgres().primary())
                    .append(", timeline ").append(s.postgres().timeline())
                    .append(s.postgres().synchronousMode() ? ", synchronous " + s.postgres().sync() : ", asynchronous")
                    .append(s.postgres().vips() == null ? "" : ", VIPs " + s.postgres().vips() + " here")
                    .append(", last action ").append(s.postgres().reason() == null ? "none" : s.postgres().reason())
                    .append('\n');
            if (s.scheduledSwitchover() != null) {
                out.append("switchover scheduled: ").append(s.scheduledSwitchover())
                        .append(" (vigilctl switchover --cancel drops it)\n");
            }
            if (!s.postgres().banned().isEmpty()) {
                out.append("banned (never promoted): ").append(String.join(", ", s.postgres().banned())).append('\n');
            }
            var t = s.postgres().tracked();
            if (t != null) {
                out.append("VIPs placed by checks: holder ").append(t.holder() == null ? "none" : t.holder())
                        .append(", ").append(t.here()).append(" here, checks here ").append(t.checks()).append('\n');
            }
        }
        for (vigil.protocol.admin.ServiceOutcomeView o : s.services()) {
            out.append(serviceLine(o)).append('\n');
        }
        String[] columns = pg ? PG_COLUMNS : COLUMNS;
        List<String[]> rows = new ArrayList<>();
        rows.add(columns);
        for (NodeStatusView n : s.nodes()) {
            String[] base = {
                    n.self() ? n.name() + "*" : n.name(),
                    n.kind(),
                    n.role(),
                    n.reachable() ? "yes" : "no",
                    n.name().equals(s.leader()) ? "yes" : "no"};
            if (!pg) {
                rows.add(base);
                continue;
            }
            PgNodeView p = n.postgres();
            String[] row = java.util.Arrays.copyOf(base, columns.length);
            row[5] = p == null ? "-" : p.role();
            row[6] = p == null || p.timeline() == null ? "-" : String.valueOf(p.timeline());
            row[7] = p == null || p.lsn() == null ? "-" : p.lsn();
            row[8] = p == null || p.lagBytes() == null ? "-" : String.valueOf(p.lagBytes());
            row[9] = p == null || p.lagSeconds() == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f", p.lagSeconds());
            row[10] = p == null ? "-" : p.sync() ? "yes" : "no";
            row[11] = p == null || p.failcount() == null ? "-" : String.valueOf(p.failcount());
            row[12] = p == null || p.proof() == null ? "-" : p.proof();
            rows.add(row);
        }
        int[] width = new int[columns.length];
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
        if (pg) {
            for (NodeStatusView n : s.nodes()) {
                if (n.postgres() != null && n.postgres().notCandidate() != null) {
                    out.append("not a candidate: ").append(n.name()).append(": ").append(n.postgres().notCandidate())
                            .append('\n');
                }
            }
        }
        return out.toString();
    }

    /** One service action's last outcome, as {@code status} prints it (without the newline). */
    static String serviceLine(vigil.protocol.admin.ServiceOutcomeView o) {
        return "service action " + o.action() + " (" + o.trigger()
                + (o.vip() == null || o.vip().isEmpty() ? "" : " " + o.vip()) + "): "
                + (o.ok() ? "ok" : "FAILED") + ", exit " + o.exit() + ", "
                + o.attempts() + (o.attempts() == 1 ? " attempt" : " attempts") + ", at "
                + java.time.Instant.ofEpochMilli(o.atEpochMs()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + (o.ok() || o.detail() == null || o.detail().isEmpty() ? "" : ": " + o.detail());
    }

    /**
     * {@code status --all}: {@code local}'s table, each node's FAIL from that node's own view ({@code own}, by name),
     * and why it is not a candidate in its own words, then one line per node with what only that node knows of itself (the
     * VIPs it holds, its failcount, its supervisor's last reason, its service actions' last outcomes), or why it did not
     * answer.
     */
    static String renderAll(StatusView local, java.util.Map<String, StatusView> own,
                            java.util.Map<String, String> unanswered) {
        List<NodeStatusView> rows = new ArrayList<>();
        for (NodeStatusView n : local.nodes()) {
            PgNodeView p = n.postgres();
            rows.add(new NodeStatusView(n.name(), n.kind(), n.role(), n.reachable(), n.self(),
                    p == null ? null : p.withOwnReport(selfPg(own.get(n.name())))));
        }
        StatusView merged = new StatusView(local.version(), local.node(), local.cluster(), local.role(), local.term(),
                local.leader(), local.leaseRemainingMs(), local.quorum(), local.voters(), local.reachableVoters(), rows,
                local.postgres(), List.of(), local.scheduledSwitchover());
        StringBuilder out = new StringBuilder(render(merged));
        out.append("each node's own view:\n");
        for (NodeStatusView n : local.nodes()) {
            StatusView v = own.get(n.name());
            out.append("  ").append(n.name()).append(": ");
            if (v == null) {
                out.append("no answer: ").append(unanswered.getOrDefault(n.name(), "not asked")).append('\n');
                continue;
            }
            List<String> parts = new ArrayList<>();
            parts.add(v.role());
            if (v.postgres() != null) {
                PgNodeView self = selfPg(v);
                parts.add("PostgreSQL " + (self == null ? "-" : self.role()));
                if (v.postgres().vips() != null) parts.add("VIPs " + v.postgres().vips());
                if (self != null && self.failcount() != null) parts.add("failcount " + self.failcount());
                parts.add("last action " + (v.postgres().reason() == null ? "none" : v.postgres().reason()));
            }
            out.append(String.join(", ", parts)).append('\n');
            for (vigil.protocol.admin.ServiceOutcomeView o : v.services()) {
                out.append("    ").append(serviceLine(o)).append('\n');
            }
        }
        return out.toString();
    }

    /** The PostgreSQL of the node that answered {@code v}, from its own row; null when none. */
    private static PgNodeView selfPg(StatusView v) {
        if (v == null) return null;
        for (NodeStatusView n : v.nodes()) if (n.self()) return n.postgres();
        return null;
    }
}
