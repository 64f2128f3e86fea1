package vigil.daemon.loop;

import java.util.List;
import java.util.Set;
import vigil.core.election.Candidacy;
import vigil.core.election.ElectionState;
import vigil.core.election.Role;
import vigil.core.election.Voter;
import vigil.core.ha.PgView;
import vigil.core.ha.SupervisorState;
import vigil.core.node.NodeConfig;
import vigil.core.node.NodeState;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.StatusView;

/** This node's view of the cluster for {@code vigilctl status}: built from the node state, on the loop thread. */
final class StatusSnapshot {
    private StatusSnapshot() {}

    /** Each standby's lag also in seconds, from {@code progress} (none when null). */
    static StatusView of(NodeState s, NodeConfig config, String cluster, Set<String> members, long now,
                         PrimaryProgress progress) {
        ElectionState e = s.election();
        var electorate = config.electorate();
        String leader = e.role() == Role.LEADER ? electorate.self() : e.leader();
        int reachable = 0;
        for (Voter v : electorate.voters()) {
            if (v.name().equals(electorate.self()) || members.contains(v.name())) reachable++;
        }
        List<NodeStatusView> rows = electorate.voters().stream().map(v -> {
            boolean self = v.name().equals(electorate.self());
            boolean up = self || members.contains(v.name());
            String role;
            if (self) role = !v.canLead() ? "witness" : e.role().label();
            else if (!up) role = "unknown";
            else if (v.name().equals(leader)) role = "leader";
            else role = v.canLead() ? "follower" : "witness";
            PgNodeView pg = config.policy() == null || !v.canLead() ? null
                    : pgOf(s, config, v.name(), self, up, progress, now);
            return new NodeStatusView(v.name(), v.canLead() ? "data" : "witness", role, up, self, pg);
        }).toList();
        String myRole = electorate.me().canLead() ? e.role().label() : "witness";
        var record = e.durable().record();
        SupervisorState sup = s.supervisor();
        PgClusterView pgCluster = config.policy() == null ? null : new PgClusterView(record.primary(), record.timeline(),
                record.sync(), config.policy().synchronous(), sup == null || sup.why() == null ? null : sup.why().toString(),
                !config.vips() ? null : held(s.vips()), !config.tracked() ? null : tracked(s, electorate.self()),
                record.pg().paused() == null ? null : record.pg().paused().toString(), record.pg().banned());
        return new StatusView(StatusView.FORMAT_VERSION, electorate.self(), cluster, myRole, e.term(), leader,
                e.leaseRemaining(now), reachable >= electorate.quorum(), electorate.voters().size(), reachable, rows, pgCluster);
    }

    private static String held(vigil.core.node.VipState v) {
        return switch (v.held()) {
            case UP -> "held";
            case CLAIMING -> "claiming";
            case RELEASING -> "releasing";
            case DOWN -> "not held";
            case FOUND -> "kept (found at start)";
        };
    }

    /** The holder as the leader chose it (on the leader) or last named it (on a follower). */
    private static vigil.protocol.admin.TrackedView tracked(NodeState s, String self) {
        var t = s.tracked();
        var e = s.election();
        String holder = e.role() == vigil.core.election.Role.LEADER ? t.grantor().holder() : t.grantee().holder();
        String checks = t.checks().pass() ? "pass" : "FAIL: " + t.checks().detail();
        return new vigil.protocol.admin.TrackedView(holder, held(t.held()), checks);
    }

    /**
     * This node's PostgreSQL from its own probe; another's from the position it reported in the election (the leader
     * hears every follower; a follower knows what the leader relayed).
     */
    private static PgNodeView pgOf(NodeState s, NodeConfig config, String name, boolean self, boolean reachable,
                                   PrimaryProgress progress, long now) {
        ElectionState e = s.election();
        var record = e.durable().record();
        boolean sync = record.sync().contains(name);
        Candidacy primaryPos = name.equals(record.primary()) ? null : positionOf(e, record.primary());
        if (self && s.supervisor() != null) {
            PgView v = s.supervisor().view();
            String role = switch (v.health()) {
                case UP -> v.role() == PgView.Role.PRIMARY ? "primary" : "standby";
                case STOPPED -> v.emptyDataDir() ? "empty" : "stopped";
                case FAILING -> "failing";
                case HUNG -> "hung";
                case UNKNOWN -> "unknown";
            };
            // Frozen while the lease is in doubt: the probe's hung view says nothing then (docs/operations.md).
            if (s.supervisor().freeze().asked() && (v.health() == PgView.Health.UP || v.health() == PgView.Health.HUNG)) {
                role = "frozen";
            }
            boolean up = v.health() == PgView.Health.UP;
            Long standbyAt = up && v.role() == PgView.Role.STANDBY ? v.lsn() : null;
            Long lag = lag(primaryPos, standbyAt, up ? v.timeline() : 0);
            return new PgNodeView(role, up ? v.timeline() : null, up ? PgNodeView.lsn(v.lsn()) : null, lag,
                    lagSeconds(progress, lag, v.timeline(), standbyAt, now),
                    sync, e.own().eligible(), s.supervisor().restarts().size(),
                    withFence(config, name, !config.watchdog().enabled() ? null
                            : s.watchdog().armed() ? "watchdog-armed" : "watchdog", "none"),
                    vigil.core.ha.Supervisor.whyNotCandidate(s.supervisor(), e, config.policy(), now));
        }
        Candidacy c = positionOf(e, name);
        boolean known = c != null && (c.timeline() > 0 || c.lsn() > 0);
        // An unreachable node is no standby of anyone now: its last known position stays, its role is unknown.
        String role = name.equals(record.primary()) ? "primary" : known && reachable ? "standby" : "unknown";
        Long lag = known && "standby".equals(role) ? lag(primaryPos, c.lsn(), c.timeline()) : null;
        return new PgNodeView(role, known ? c.timeline() : null, known ? PgNodeView.lsn(c.lsn()) : null, lag,
                lag == null ? null : lagSeconds(progress, lag, c.timeline(), c.lsn(), now), sync,
                c != null && c.eligible(), null, withFence(config, name, e.watchdogOf(name) > 0 ? "watchdog-armed" : null, null),
                notCandidate(record, name, reachable, c));
    }

    /**
     * Why another node is not a candidate, as far as this one knows: only the node itself knows its exact reason
     * ({@code vigilctl status --all} asks it).
     */
    private static String notCandidate(vigil.core.election.ClusterRecord record, String name, boolean reachable, Candidacy c) {
        if (record.pg().banned().contains(name)) return "banned by an operator (vigilctl unban " + name + ")";
        if (!reachable) return "not reachable from here";
        if (c == null) return "has not reported its position yet";
        return c.eligible() ? null : "it reports itself not a candidate (its own status says why)";
    }

    /** The PROOF column: the watchdog's part, then "fence" when fence agents can turn the node off. */
    private static String withFence(NodeConfig config, String name, String watchdog, String otherwise) {
        boolean fence = config.policy() != null && config.policy().fenceable().contains(name);
        if (watchdog == null) return fence ? "fence" : otherwise;
        return fence ? watchdog + "+fence" : watchdog;
    }

    private static Candidacy positionOf(ElectionState e, String name) {
        if (name == null) return null;
        if (name.equals(e.electorate().self())) return e.own();
        return e.known().get(name);
    }

    /** The primary's position as this node knows it (its own probe on the primary's node), or null. */
    static Candidacy primaryPosition(NodeState s) {
        ElectionState e = s.election();
        String primary = e.durable().record().primary();
        Candidacy c = primary == null ? null : positionOf(e, primary);
        return c == null || c.timeline() <= 0 ? null : c;
    }

    /** The lag in seconds of a standby whose lag in bytes is known ({@link PrimaryProgress}). */
    private static Double lagSeconds(PrimaryProgress progress, Long lagBytes, long timeline, Long lsn, long now) {
        if (progress == null || lagBytes == null || lsn == null) return null;
        return progress.lagSeconds(timeline, lsn, now);
    }

    private static Long lag(Candidacy primary, Long lsn, long timeline) {
        if (primary == null || lsn == null || primary.timeline() != timeline) return null;
        return Math.max(0, primary.lsn() - lsn);
    }
}
