package vigil.core.ha;

import vigil.core.election.ElectionState;

/**
 * Decides what the local PostgreSQL must do, given the election's state: the leader is the primary. Pure, like
 * {@link vigil.core.election.Election}: time is an input, no IO.
 *
 * <p>Invariants it keeps:
 * <ul>
 * <li>Only the leader, while its lease is valid for at least {@code selfFenceMarginMs} more, lets PostgreSQL write.
 *     Every other state of the local PostgreSQL that is not proven unable to write (verified stopped, or in
 *     recovery with no promotion under way) is fenced at once: writable, hung, failing, unknown. The fence kills
 *     every process and preempts any running action. The one exception is a recorded primary that restarted and has
 *     not led since, for a window fixed on disk ({@link HaStep#reclaiming()}).</li>
 * <li>While the leader's lease is in doubt (no majority acknowledgement for two and a half heartbeats) its
 *     PostgreSQL is frozen, commits nothing, and is thawed only once the lease is renewed beyond the margin or
 *     PostgreSQL is verified stopped ({@link Freezing}); the self-fence above is unchanged.</li>
 * <li>A new leader promotes only with a proof that the old primary cannot write ({@link FailOver}), never over an
 *     old primary that answers as writable, and re-checks that just before pg_promote.</li>
 * <li>Just before promoting, the leader re-checks the positions its followers reported: if one is ahead, it stands
 *     down so the most advanced standby leads (PAF's rule).</li>
 * <li>No automatic action destroys data: initdb only while the record names no system; nothing is done to a data
 *     directory of another system; a re-clone only after pg_rewind proved it cannot repair a divergence, keeping
 *     the old directory aside until the new standby streams.</li>
 * <li>A node whose history may have forked (it was writable, or it is on another timeline) rewinds before it
 *     follows a new primary, and that need is kept on disk.</li>
 * </ul>
 */
public final class Supervisor {
    private Supervisor() {}

    public static HaDecision decide(SupervisorState s, ElectionState e, HaPolicy p, HaObservation o) {
        HaStep step = new HaStep(s, e, p, o.now());
        step.observe(o);
        step.decide();
        return step.finish();
    }

    /**
     * What {@code vigilctl switchover} asked now would do: the node it would hand the primary role to, or why it
     * cannot begin ({@link Switchover}: the same rules the step applies when the request is passed on).
     *
     * @param target  the node asked for, or the best standby when none was named (null when refused without one)
     * @param refusal null when the switchover would begin
     */
    public record Verdict(String target, String refusal) {}

    /** The {@link Verdict} on a switchover to {@code target} (null: the best standby) asked for at {@code now}. */
    public static Verdict switchover(SupervisorState s, ElectionState e, HaPolicy p, String target, long now) {
        return Switchover.refusal(s, e, p, target, now);
    }

    /** Why this node would not restart its standby now ({@code vigilctl restart-pg}), or null: {@link Restart}. */
    public static String refusesRestart(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        return Restart.refusal(s, e, p, now);
    }

    /**
     * Why this node is not a candidate for primary now, with its cause (a ban, how far behind, which check failed),
     * or null when it is one: the same rule the step applies ({@link Fitness}), for {@code vigilctl status}.
     */
    public static String whyNotCandidate(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        return Fitness.assess(new HaStep(s, e, p, now)).why();
    }

    /** {@link OrderedFailover#ORDER_MS}. */
    public static final long FAILOVER_ORDER_MS = OrderedFailover.ORDER_MS;

    /**
     * Why this node would not take {@code vigilctl failover --to} itself now, or null ({@link OrderedFailover}): without
     * {@code acceptDataLoss} also every reason the automatic rules would not promote it, with how far behind it is.
     */
    public static String refusesFailover(SupervisorState s, ElectionState e, HaPolicy p, boolean acceptDataLoss, long now) {
        return OrderedFailover.refusal(new HaStep(s, e, p, now), acceptDataLoss);
    }

    /** What promoting this node now would lose, by the positions last reported, in one phrase. */
    public static String failoverLoss(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        return OrderedFailover.loss(new HaStep(s, e, p, now));
    }

    /** Why this leader would not hand leadership to {@code target}, which holds an operator's order, or null. */
    public static String refusesHandOver(SupervisorState s, ElectionState e, HaPolicy p, String target, long now) {
        return OrderedFailover.handOverRefusal(new HaStep(s, e, p, now), target);
    }

    /**
     * The first instant after {@code after} at which time alone changes what a tick decides here ({@link HaWake}; for
     * {@link vigil.core.node.Wake}).
     */
    public static long wakeAt(SupervisorState s, ElectionState e, HaPolicy p, long after) {
        return HaWake.at(s, e, p, after);
    }
}
