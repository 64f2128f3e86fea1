package vigil.core.ha;

import java.util.Locale;
import vigil.core.election.Candidacy;
import vigil.core.election.ElectionState;
import vigil.core.election.Role;

/**
 * What a load balancer may send to this node, as HAProxy's checks ask it ({@code /primary}, {@code /replica},
 * {@code /sync}, {@code /leader}, {@code /health} on the HTTP endpoint), each answer with its reason.
 *
 * <p>The invariant: {@link #primary} says yes only where writes are safe, so that a load balancer never sends writes to
 * a second writer. It therefore asks what a switchover asks of its leader, not PostgreSQL alone: this node leads with
 * a lease valid beyond the self-fence margin (the same {@link HaStep#leaseOk} after which the node fences itself),
 * it is the recorded primary, and its PostgreSQL runs as a primary, not frozen, not being handed over. A primary cut
 * off from its peers therefore answers no while its lease runs out, before it fences itself: its PostgreSQL may still
 * accept a write, but no balancer is told to send one there. Reading {@code pg_is_in_recovery()} alone would say yes.
 */
public final class Routing {
    private Routing() {}

    /** Yes or no, and why: the reason is the answer's body, for the operator reading the balancer's log. */
    public record Answer(boolean ok, String why) {
        static Answer yes(String why) {
            return new Answer(true, why);
        }

        static Answer no(String why) {
            return new Answer(false, why);
        }
    }

    /** Whether writes may be sent here: see the class comment. */
    public static Answer primary(SupervisorState s, ElectionState e, HaPolicy p, long now) {
        if (s == null) return Answer.no("this node manages no PostgreSQL");
        HaStep step = new HaStep(s, e, p, now);
        if (e.role() != Role.LEADER) return Answer.no(notLeading(e));
        if (!step.leaseOk()) {
            return Answer.no("this node's lease is not valid beyond the self-fence margin (" + e.leaseRemaining(now)
                    + " ms left, margin " + p.selfFenceMarginMs() + " ms)");
        }
        if (!step.me.equals(step.pg.primary())) return Answer.no("the recorded primary is " + step.pg.primary());
        if (!step.view.writable()) return Answer.no("PostgreSQL here is not a running primary (" + describe(step.view) + ")");
        if (step.freeze.asked() || step.freeze.pending()) return Answer.no("PostgreSQL here is frozen: the lease is in doubt");
        if (step.handover != null) return Answer.no("a switchover to " + step.handover.target() + " is under way");
        if (step.fencing) return Answer.no("PostgreSQL here is being fenced");
        return Answer.yes(step.me + " leads term " + e.term() + " with " + e.leaseRemaining(now)
                + " ms of lease; PostgreSQL here is the recorded primary, running");
    }

    /**
     * Whether reads may be sent here: PostgreSQL runs as a standby (not frozen) on the recorded timeline, and, when
     * {@code maxLagBytes} is given, is known to be at most that far behind the primary's last reported position.
     */
    public static Answer replica(SupervisorState s, ElectionState e, long now, Long maxLagBytes) {
        if (s == null) return Answer.no("this node manages no PostgreSQL");
        PgView view = s.local().view();
        if (!view.isStandby()) return Answer.no("PostgreSQL here is not a running standby (" + describe(view) + ")");
        if (s.freeze().asked() || s.freeze().pending()) return Answer.no("PostgreSQL here is frozen");
        var pg = e.durable().record().pg();
        if (pg.timeline() > 0 && view.timeline() != pg.timeline()) {
            return Answer.no("on timeline " + view.timeline() + ", the cluster's is " + pg.timeline());
        }
        Long lag = lag(e, pg.primary(), view, now);
        if (maxLagBytes != null) {
            if (lag == null) {
                return Answer.no("lag unknown: no position of the primary " + pg.primary() + " heard within a lease");
            }
            if (lag > maxLagBytes) return Answer.no(lag + " bytes behind " + pg.primary() + ", more than " + maxLagBytes);
        }
        return Answer.yes("a standby of " + (view.upstream() == null ? "no upstream" : view.upstream())
                + (view.streaming() ? ", streaming" : ", not streaming") + (lag == null ? "" : ", " + lag + " bytes behind"));
    }

    /** Whether this node is a standby in the synchronous set (its commits wait for it): {@link #replica}, and in the set. */
    public static Answer sync(SupervisorState s, ElectionState e, long now) {
        Answer replica = replica(s, e, now, null);
        if (!replica.ok()) return replica;
        var sync = e.durable().record().sync();
        if (!sync.contains(e.electorate().self())) {
            return Answer.no("not in the synchronous set (" + (sync.isEmpty() ? "empty" : String.join(",", sync)) + ")");
        }
        return Answer.yes("in the synchronous set; " + replica.why());
    }

    /** Whether this node leads with a valid lease. */
    public static Answer leader(ElectionState e, long now) {
        if (e.role() != Role.LEADER) return Answer.no(notLeading(e));
        long left = e.leaseRemaining(now);
        if (left <= 0) return Answer.no("this node leads term " + e.term() + " without a valid lease");
        return Answer.yes(e.electorate().self() + " leads term " + e.term() + " with " + left + " ms of lease");
    }

    /** Whether this node's PostgreSQL runs (either role); without PostgreSQL, whether vigild runs. */
    public static Answer health(SupervisorState s) {
        if (s == null) return Answer.yes("vigild runs (no PostgreSQL managed here)");
        PgView view = s.local().view();
        if (view.health() != PgView.Health.UP) return Answer.no("PostgreSQL here is " + describe(view));
        return Answer.yes("PostgreSQL here runs as a " + view.role().name().toLowerCase(Locale.ROOT));
    }

    private static String notLeading(ElectionState e) {
        return "this node does not lead (" + (e.leader() == null ? "no leader known" : "the leader is " + e.leader()) + ")";
    }

    private static String describe(PgView view) {
        return view.health().name().toLowerCase(Locale.ROOT)
                + (view.role() == null ? "" : " " + view.role().name().toLowerCase(Locale.ROOT));
    }

    /**
     * How far {@code view} is behind the primary's last reported position, on its timeline; null when unknown, or when
     * that position is older than a lease (a follower that has not heard its leader since: the primary may be far
     * ahead by now, and a standby cut off from it would otherwise go on looking current).
     */
    private static Long lag(ElectionState e, String primary, PgView view, long now) {
        if (primary == null) return null;
        if (e.role() != Role.LEADER && now - e.leaderContactAt() > e.electorate().timing().leaseMs()) return null;
        Candidacy c = primary.equals(e.electorate().self()) ? e.own() : e.known().get(primary);
        if (c == null || c.timeline() != view.timeline() || c.lsn() == 0) return null;
        return Math.max(0, c.lsn() - view.lsn());
    }
}
