package vigil.core.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.FailoverOrder;
import vigil.core.election.Observation;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;

/**
 * {@code vigilctl failover --to NODE [--accept-data-loss]}: a failover an operator orders where the automatic one
 * cannot act (maintenance mode, every standby too far behind, outside the synchronous set, or banned).
 *
 * <p>What the order changes:
 * <ul>
 * <li>the target holds it for {@link #ORDER_MS}: it stands first, without the stagger of its rank, and its vote
 *     requests carry it ({@link FailoverOrder});</li>
 * <li>with {@code acceptDataLoss} it is a candidate despite lag, the synchronous set and a ban ({@link Fitness}), voters
 *     do not compare positions, and as leader it promotes although a peer is ahead; its reasons say how much may be
 *     lost, by the positions last reported;</li>
 * <li>in maintenance mode the target, once it leads, carries out this failover (nothing else: the other nodes stay as
 *     the pause left them until {@code vigilctl resume});</li>
 * <li>a leader that is not the target, and whose PostgreSQL cannot write, resigns in its favour.</li>
 * </ul>
 * What it never changes: the one-writer proof ({@link FailOver#proofs}) before a promotion, the lease, one vote per
 * term. A primary that runs and leads is switched over ({@code vigilctl switchover}), not failed over.
 */
final class OrderedFailover {
    /** An order not carried out (promotion recorded) within this long lapses. */
    static final long ORDER_MS = 60_000;

    private OrderedFailover() {}

    /** The order, passed on once refused by neither {@link #refusal} nor {@link #handOverRefusal} (checked again). */
    static void begin(HaStep s, HaObservation.FailoverOrdered f) {
        if (f.target().equals(s.me)) {
            if (refusal(s, f.acceptDataLoss()) != null) return;
            s.order = new SupervisorState.Order(f.operator(), f.acceptDataLoss(), s.now);
            s.electionInputs.add(new Observation.Ordered(s.now, new FailoverOrder(f.operator(), f.acceptDataLoss())));
            s.why = new Why(HaReason.FAILOVER_ORDERED, null, "ordered by " + f.operator()
                    + (f.acceptDataLoss() ? ", accepting data loss: " + loss(s) : ", every safety rule kept"));
            return;
        }
        if (handOverRefusal(s, f.target()) != null) return;
        s.standDown(new Why(HaReason.FAILOVER_ORDERED, f.target(), "the operator " + f.operator()
                + " ordered a failover to it: leadership handed over"), f.target());
    }

    /**
     * Ends the order once its promotion is complete and recorded, or when it lapsed before it was recorded; true for a
     * lapse (the step then says so and decides nothing more).
     */
    static boolean settle(HaStep s) {
        if (s.order == null) return false;
        boolean recorded = s.me.equals(s.pg.primary());
        boolean promoting = s.inFlight instanceof PgAction.Promote || s.view.writable();
        if (recorded && s.view.writable() && s.pg.formerPrimary() == null && s.view.timeline() == s.pg.timeline()) {
            end(s);
        } else if (!promoting && s.now - s.order.since() >= ORDER_MS) {
            // Also once the record names this node: a promotion that does not come (a re-check that keeps finding the
            // old primary writable, leadership lost) must not keep the waiver, nor the way past maintenance mode.
            String waiting = s.why == null ? "" : ": " + s.why.reason() + (s.why.detail().isEmpty() ? "" : " (" + s.why.detail() + ")");
            s.why = new Why(HaReason.FAILOVER_ORDER_LAPSED, null, "ordered by " + s.order.operator() + ", not promoted within "
                    + ORDER_MS / 1000 + " s" + waiting);
            end(s);
            return true;
        }
        return false;
    }

    /** The operator's order was withdrawn (the leader would not hand over: the operator was told it failed). */
    static void cancel(HaStep s, String why) {
        if (s.order == null) return;
        s.why = new Why(HaReason.FAILOVER_ORDER_LAPSED, null, "ordered by " + s.order.operator() + ", withdrawn: " + why);
        end(s);
    }

    private static void end(HaStep s) {
        s.order = null;
        s.electionInputs.add(new Observation.Ordered(s.now, null));
    }

    /** The operator accepted data loss: lag, the synchronous set, a ban and peers ahead do not count here. */
    static boolean waivesPositions(HaStep s) {
        return s.order != null && s.order.acceptDataLoss();
    }

    /** Maintenance mode does not keep the ordered node, leading, from carrying the failover out. */
    static boolean overridesPause(HaStep s) {
        return s.order != null && s.leaseOk();
    }

    /** Why this node would not take an order to take over now (null: it would). */
    static String refusal(HaStep s, boolean acceptDataLoss) {
        if (!s.e.electorate().me().canLead()) return s.me + " is a witness: it holds no PostgreSQL";
        if (s.stopping) return "vigild is stopping";
        if (s.pg.primary() == null) return "no primary was ever recorded: the cluster is still bootstrapping";
        if (s.handover != null) return "a switchover to " + s.handover.target() + " is under way";
        boolean recorded = s.me.equals(s.pg.primary());
        // In maintenance mode a recorded primary whose promotion did not come stays a standby: an order carries it out.
        if (recorded && !(s.pg.paused() != null && s.view.isStandby())) {
            return s.me + " is the recorded primary already (it restarts in place by itself; vigilctl cleanup " + s.me
                    + " if its failcount stops it)";
        }
        String leader = s.e.leader();
        if (leader != null && !leader.equals(s.me) && leader.equals(s.pg.primary()) && s.now < s.e.noVoteUntil()) { // heard within a lease
            return "the primary " + leader + " leads term " + s.e.term() + ": a running primary is switched over, not"
                    + " failed over (vigilctl switchover --to " + s.me + ")";
        }
        PgView view = s.view;
        if (view.health() != PgView.Health.UP || !view.isStandby()) {
            return "PostgreSQL on " + s.me + " is " + view.health() + (view.role() == null ? "" : " " + view.role())
                    + ", not a running standby";
        }
        if (s.durable.needsRewind()) return s.me + "'s history may have forked from the primary's: it must rewind first";
        if (!view.position().known()) return s.me + "'s durable position is not known yet";
        if (view.timeline() != s.pg.timeline()) {
            return s.me + " is on timeline " + view.timeline() + ", the recorded primary's is " + s.pg.timeline()
                    + ": it lacks that timeline's history";
        }
        if (Fitness.foreign(s)) return Fitness.foreignDetail(s);
        if (s.unfit != null) return s.me + " must not let PostgreSQL write: " + s.unfit;
        if (s.restarts.size() >= s.p.migrationThreshold()) {
            return s.restarts.size() + " restarts within failure_timeout on " + s.me + ": vigilctl cleanup " + s.me + " first";
        }
        if (acceptDataLoss) return null;
        List<String> losses = losses(s);
        if (losses.isEmpty()) return null;
        return String.join("; ", losses) + ": vigilctl failover --to " + s.me + " --accept-data-loss promotes it anyway"
                + (s.pg.banned().contains(s.me) ? " (or vigilctl unban " + s.me + ")" : "");
    }

    /** What promoting this node would lose, by the positions last reported, in one phrase for the operator. */
    static String loss(HaStep s) {
        List<String> losses = losses(s);
        return losses.isEmpty() ? "nothing known to be lost (by the positions last reported)" : String.join("; ", losses);
    }

    /** Each reason the automatic rules would not promote this node, with how far behind it is. */
    private static List<String> losses(HaStep s) {
        List<String> out = new ArrayList<>();
        if (s.pg.banned().contains(s.me)) out.add(s.me + " is banned");
        if (s.p.synchronous() && !s.pg.sync().contains(s.me)) {
            out.add(s.me + " is not in the synchronous set " + s.pg.sync() + ": commits acknowledged by "
                    + String.join(", ", s.pg.sync()) + " may be missing here");
        }
        Candidacy mine = new Candidacy(true, s.view.timeline(), s.view.lsn());
        Candidacy primary = s.e.known().get(s.pg.primary());
        if (primary != null && primary.timeline() == mine.timeline() && primary.lsn() != Long.MAX_VALUE
                && primary.lsn() - mine.lsn() > s.p.maxLagBytes()) {
            out.add((primary.lsn() - mine.lsn()) + " bytes behind the primary " + s.pg.primary()
                    + "'s last reported position (max_lag_on_failover: " + s.p.maxLagBytes() + ")");
        }
        for (Map.Entry<String, Candidacy> peer : new java.util.TreeMap<>(s.e.known()).entrySet()) {
            String name = peer.getKey();
            if (name.equals(s.me) || name.equals(s.pg.primary()) || !peer.getValue().known()) continue;
            if (peer.getValue().compareTo(mine) > 0) out.add(name + " is " + FailOver.aheadBy(s, name, mine));
        }
        return out;
    }

    /** Why this leader would not hand leadership to {@code target}, which holds an order (null: it would). */
    static String handOverRefusal(HaStep s, String target) {
        if (s.e.role() != Role.LEADER) return s.e.notLeading();
        if (s.me.equals(s.pg.primary())) {
            return s.me + " leads and is the recorded primary: a running primary is switched over, not failed over"
                    + " (vigilctl switchover --to " + target + ")";
        }
        if (s.knowledge == PgSafety.MAY_WRITE || s.fencing) {
            return "PostgreSQL on " + s.me + " (the leader) is not proven unable to write yet: try again in a moment";
        }
        if (s.handover != null) return "a switchover to " + s.handover.target() + " is under way";
        if (!s.freshlyAcked(target)) return target + " has not acknowledged this leader within a lease";
        return null;
    }
}
