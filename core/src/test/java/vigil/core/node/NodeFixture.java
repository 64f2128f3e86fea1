package vigil.core.node;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Durable;
import vigil.core.election.ElectionState;
import vigil.core.election.Electorate;
import vigil.core.election.Leadership;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;
import vigil.core.election.SentTimes;
import vigil.core.election.Role;
import vigil.core.election.Timing;
import vigil.core.election.Voter;
import vigil.core.ha.HaDurable;
import vigil.core.ha.HaPolicy;
import vigil.core.ha.PgView;
import vigil.core.ha.SupervisorState;

/**
 * Named situations for the node step's tests: three data nodes, a leader's lease running to {@link #LEASE_UNTIL},
 * a watchdog of 1,000 ms plus 100 ms slack. States are built directly from their public parts; whatever follows is
 * driven through {@link Node#decide}, as the daemon and the simulator do.
 */
final class NodeFixture {
    private NodeFixture() {}

    static final Timing TIMING = Timing.of(150, 1500, 0.01);
    static final List<Voter> THREE = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final long NOW = 100_000;
    /** The last majority-acknowledged heartbeat (seq 50) left at {@code NOW - 70}. */
    static final long LEASE_UNTIL = NOW - 70 + TIMING.leaderLeaseMs();
    static final long MARGIN = 450;
    static final long SYSTEM = 7_312_345_678_901_234_567L;
    static final long LSN = 64L << 20;
    static final String BOOT = "boot-a";
    static final HaPolicy POLICY = new HaPolicy(16L << 20, false, 3, 60_000, false, MARGIN, 9_000, 5_000);
    /** Resets the host at most 1,100 ms after its last keep-alive. */
    static final WatchdogConfig WATCHDOG = new WatchdogConfig(WatchdogConfig.Mode.AUTO, 1_000, 100);
    static final WatchdogConfig REQUIRED = new WatchdogConfig(WatchdogConfig.Mode.REQUIRED, 1_000, 100);

    static NodeConfig config(String self, WatchdogConfig watchdog) {
        return new NodeConfig(new Electorate(self, THREE, TIMING), POLICY, watchdog, ActionLimits.DEFAULT);
    }

    static PgRecord primaryIs(String node) {
        return new PgRecord(node, SYSTEM, 1, null, List.of(), null);
    }

    /**
     * {@code self} leads {@code term} with a committed record holding {@code pg}; both others acknowledged heartbeat
     * 50, sent at {@code NOW - 70}, so the lease runs to {@link #LEASE_UNTIL}.
     */
    static ElectionState leader(String self, long term, PgRecord pg) {
        Map<String, Long> acked = new HashMap<>();
        for (Voter v : THREE) if (!v.name().equals(self)) acked.put(v.name(), 50L);
        Leadership l = new Leadership(term, NOW - 5_000, 50, NOW - 70, SentTimes.of(50, NOW - 70), acked,
                LEASE_UNTIL - TIMING.leaderLeaseMs(), LEASE_UNTIL, 1, true);
        ClusterRecord r = new ClusterRecord(term, 1, self, pg, Map.of(self, term));
        return new ElectionState(new Electorate(self, THREE, TIMING), new Durable(term, self, r), Role.LEADER, self,
                self, NOW - 70, 0, 0, null, l, Candidacy.ELIGIBLE, Map.of(), Report.UNKNOWN, Map.of());
    }

    /** {@code self} follows {@code leader}, whose heartbeat of {@code term} (record {@code pg}) arrived just now. */
    static ElectionState follower(String self, String leader, long term, PgRecord pg) {
        ClusterRecord r = new ClusterRecord(term, 1, leader, pg, Map.of(leader, term));
        return new ElectionState(new Electorate(self, THREE, TIMING), new Durable(term, null, r), Role.FOLLOWER,
                leader, leader, NOW - 50, 0, 0, null, null, Candidacy.ELIGIBLE, Map.of(), Report.UNKNOWN, Map.of());
    }

    /**
     * A supervisor that has run for a minute and whose last probe showed {@code view}, nothing in flight: a primary
     * may write, a running standby or a verified stop cannot.
     */
    static SupervisorState seeing(PgView view, boolean needsRewind) {
        var knowledge = view.writable() ? Report.PgSafety.MAY_WRITE
                : view.isStandby() ? Report.PgSafety.STANDBY
                : view.health() == PgView.Health.STOPPED ? Report.PgSafety.STOPPED : Report.PgSafety.MAY_WRITE;
        boolean up = view.health() == PgView.Health.UP;
        SupervisorState b = SupervisorState.boot(NOW - 60_000, BOOT, new HaDurable(needsRewind, "", 0));
        return new SupervisorState(new SupervisorState.Local(view, knowledge, -1, up, false, true,
                up ? view.position() : PgView.Position.NONE), b.work(), b.rejoin(), b.probes(), b.durable(), b.boot(),
                null);
    }

    static SupervisorState seeing(PgView view) {
        return seeing(view, view.writable());
    }

    static PgView primary() {
        return PgView.primary(1, LSN).withSystemId(SYSTEM);
    }

    static PgView standbyOf(String upstream) {
        return PgView.standby(1, LSN, true, upstream).withSystemId(SYSTEM);
    }

    static PgView stopped() {
        return PgView.stopped().withSystemId(SYSTEM);
    }

    static NodeState node(ElectionState e, SupervisorState s, WatchdogState w) {
        return new NodeState(e, s, Executor.IDLE, w, false, false);
    }

    static WatchdogState disarmed() {
        return new WatchdogState(WatchdogState.Status.DISARMED, Long.MIN_VALUE / 4);
    }

    /** Armed, last kept alive at {@code lastKick}. */
    static WatchdogState armed(long lastKick) {
        return new WatchdogState(WatchdogState.Status.ARMED, lastKick);
    }

    static WatchdogState off() {
        return new WatchdogState(WatchdogState.Status.OFF, Long.MIN_VALUE / 4);
    }

    /**
     * The steady state: n1 leads term 5 and is the recorded primary; its PostgreSQL is writable; the lease guard
     * stands at {@code LEASE_UNTIL - MARGIN}; the watchdog is as given.
     */
    static NodeState primaryLeader(WatchdogState w) {
        NodeState s = node(leader("n1", 5, primaryIs("n1")), seeing(primary()), w);
        return withExecutor(s, new Executor(1, null, null, LEASE_UNTIL - MARGIN));
    }

    /**
     * n2 leads term 6 and its committed record already names it primary (no former primary to re-check): its
     * PostgreSQL is still a standby, so the next step promotes it.
     */
    static NodeState aboutToPromote(WatchdogState w) {
        return node(leader("n2", 6, primaryIs("n2")), seeing(standbyOf("n1")), w);
    }

    /** n3 follows n2, the recorded primary, and its standby streams from n2. */
    static NodeState healthyStandby(WatchdogState w) {
        return node(follower("n3", "n2", 6, primaryIs("n2")), seeing(standbyOf("n2")), w);
    }

    static NodeState withExecutor(NodeState s, Executor x) {
        return new NodeState(s.election(), s.supervisor(), x, s.watchdog(), s.stopping(), s.halted());
    }

    static NodeState withElection(NodeState s, ElectionState e) {
        return new NodeState(e, s.supervisor(), s.executor(), s.watchdog(), s.stopping(), s.halted());
    }

    static <T extends Effect> List<T> effectsOf(NodeDecision d, Class<T> kind) {
        return d.effects().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** The position of the first effect of {@code kind}, or -1. */
    static int indexOf(NodeDecision d, Class<? extends Effect> kind) {
        for (int i = 0; i < d.effects().size(); i++) if (kind.isInstance(d.effects().get(i))) return i;
        return -1;
    }
}
