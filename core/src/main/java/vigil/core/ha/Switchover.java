package vigil.core.ha;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import vigil.core.election.Candidacy;
import vigil.core.election.ElectionState;
import vigil.core.election.Report.PgSafety;
import vigil.core.election.Role;
import vigil.core.election.Voter;
import vigil.core.ha.Supervisor.Verdict;

/**
 * A planned switchover: the leader, which is the primary, hands both roles to a standby without losing a commit
 * (DESIGN.md, "Planned switchover"). In order:
 * <ol>
 * <li>It begins only when safe ({@link #refusal}): this node leads with a valid lease and runs the primary, nothing
 *     else is under way, and the target acknowledges this leader, is an eligible candidate (streaming, on the
 *     primary's timeline, within max_lag_on_failover, in the synchronous set in synchronous mode).</li>
 * <li>A CHECKPOINT while writes go on, so that the shutdown's own checkpoint (during which nothing is written) is
 *     short; then a fast shutdown, the VIPs released first as for any stop. The walsenders send everything up to the
 *     shutdown checkpoint before the server exits.</li>
 * <li>With PostgreSQL verified stopped and the end of its WAL read, it waits until the target reports a position
 *     at least that far on the same timeline: the target has received and flushed every commit.</li>
 * <li>It resigns, naming the target, which stands at once; the others hold back. The target's own failover rules
 *     then run unchanged: this node's report (PostgreSQL verified stopped, not led since) is the proof they need, and
 *     it promotes after the usual re-check. Every voting rule stays as it is.</li>
 * <li>This node follows the new primary; its history ends where the target's new timeline begins, so it starts as
 *     a standby without pg_rewind ({@link Following#heldByPrimary}).</li>
 * </ol>
 * Failing half-way leaves one primary: a shutdown that fails or outlasts {@link #STOP_MS} (then PostgreSQL is
 * killed), a lost lease, or a target that vanishes or does not catch up within {@link #CATCH_UP_MS} of the stop end
 * the switchover before the resignation, and this node, still leading, starts
 * PostgreSQL again as the primary. After the resignation, a target that does not take over is replaced by whichever
 * node the ordinary election chooses (this node's report proves its PostgreSQL stopped); this node stays out of the
 * running for {@link #HANDED_OVER_MS}, then stands again.
 */
final class Switchover {
    /**
     * How long after the stop the target may take to report everything up to the shutdown checkpoint. The walsenders
     * sent it all before the server exited; what remains is the target's next probe and acknowledgement (a few hundred
     * milliseconds). A target that was not streaming at that moment can get nothing more from a stopped primary:
     * waiting longer would only keep writes stopped.
     */
    static final long CATCH_UP_MS = 2_000;
    /**
     * How long the clean shutdown may take. With the CHECKPOINT done it takes a fraction of a second; longer, a
     * walsender is waiting for a standby that is gone (measured: the target's host lost its link, and the shutdown
     * hung until wal_sender_timeout, a minute), and writes stay stopped meanwhile.
     */
    static final long STOP_MS = 3_000;
    /**
     * While waiting for the target's position, the leader heartbeats this often instead of every heartbeat interval:
     * the target's position reaches the leader only with an acknowledgement, and the leader's writes stand still.
     */
    static final long ASK_EVERY_MS = 20;
    /** How long the VIPs may take to go once the target had everything (an {@code ip addr del}: milliseconds). */
    static final long RELEASE_MS = 1_000;
    /** After resigning, how long this node waits for its successor to be recorded as the primary. */
    static final long HANDED_OVER_MS = 10_000;
    /**
     * After resigning, how long this node keeps what proves that it may rejoin without pg_rewind (its WAL ends where
     * the successor's timeline forks: {@link Following#heldByPrimary}).
     */
    static final long REJOIN_MS = 60_000;

    private Switchover() {}

    /** The switchover asked for: begun when safe, else left alone (the caller was told why by {@link #refusal}). */
    static void begin(HaStep s, HaObservation.Switchover sw) {
        Verdict v = verdict(s, sw.target());
        if (v.refusal() != null) return;
        s.handover = new SupervisorState.Handover(v.target(), s.now, sw.operator(), false, 0, 0, false, 0, 0);
        s.why = new Why(HaReason.SWITCHOVER, v.target(), "asked by " + sw.operator());
    }

    /** {@link #verdict} from outside the step (the daemon asks before it passes the request on). */
    static Verdict refusal(SupervisorState s, ElectionState e, HaPolicy p, String target, long now) {
        return verdict(new HaStep(s, e, p, now), target);
    }

    private static Verdict verdict(HaStep s, String target) {
        String self = refuseHere(s);
        if (self != null) return new Verdict(target, self);
        if (target != null) {
            String bad = refuseTarget(s, target);
            return new Verdict(target, bad);
        }
        List<String> reasons = new ArrayList<>();
        List<Voter> fit = new ArrayList<>();
        for (Voter v : s.e.electorate().voters()) {
            if (!v.canLead() || v.name().equals(s.me)) continue;
            String bad = refuseTarget(s, v.name());
            if (bad == null) fit.add(v);
            else reasons.add(bad);
        }
        if (fit.isEmpty()) return new Verdict(null, "no standby can take over: " + String.join("; ", reasons));
        Comparator<Voter> best = Comparator.comparing((Voter v) -> s.e.known().get(v.name()), Comparator.reverseOrder())
                .thenComparing(Voter::priority, Comparator.reverseOrder()).thenComparing(Voter::name);
        return new Verdict(fit.stream().sorted(best).findFirst().orElseThrow().name(), null);
    }

    /** Why this node cannot carry out a switchover now (null: it can). */
    private static String refuseHere(HaStep s) {
        if (s.e.role() != Role.LEADER) {
            return s.e.notLeading();
        }
        if (!s.leaseOk()) return "this node's lease is not valid beyond the self-fence margin (no quorum acknowledges it)";
        if (s.handover != null) return "a switchover to " + s.handover.target() + " is already under way";
        if (s.pg.paused() != null) return "the cluster is in maintenance mode (" + s.pg.paused() + "): vigilctl resume first";
        if (s.stopping) return "vigild is stopping";
        if (!s.me.equals(s.pg.primary()) || !s.view.writable()) {
            return "PostgreSQL on this node is not the running primary (" + s.view.health()
                    + (s.view.role() == null ? "" : " " + s.view.role()) + ")";
        }
        if (s.pg.formerPrimary() != null) return "this node's promotion is not recorded as finished yet";
        if (s.fencing || s.inFlight != null) {
            return "a PostgreSQL action is under way (" + (s.fencing ? "fence" : s.inFlight.kind()) + "); try again";
        }
        if (s.freeze.asked() || s.freeze.pending()) return "PostgreSQL is frozen: the lease is in doubt";
        return null;
    }

    /** Why {@code target} cannot take over now (null: it can). */
    private static String refuseTarget(HaStep s, String target) {
        var voter = s.e.electorate().voter(target);
        if (voter.isEmpty()) {
            return target + " is not a member of this cluster (members: " + String.join(", ",
                    s.e.electorate().voters().stream().map(Voter::name).toList()) + ")";
        }
        if (target.equals(s.me)) return target + " is this node, the primary already";
        if (!voter.get().canLead()) return target + " is a witness: it holds no PostgreSQL";
        if (s.pg.banned().contains(target)) return target + " is banned (vigilctl unban " + target + ")";
        if (!s.freshlyAcked(target)) return target + " has not acknowledged this leader within a lease";
        Candidacy c = s.e.known().get(target);
        if (c == null) return target + " has not reported its position";
        if (c.timeline() != s.view.timeline()) {
            return target + " is on timeline " + c.timeline() + ", the primary on " + s.view.timeline();
        }
        long behind = s.view.lsn() - c.lsn();
        if (behind > s.p.maxLagBytes()) {
            return target + " is " + behind + " bytes behind (max_lag_on_failover " + s.p.maxLagBytes() + ")";
        }
        if (s.p.synchronous() && !s.pg.sync().contains(target)) {
            return target + " is not in the synchronous set " + s.pg.sync();
        }
        if (!c.eligible()) return target + " reports itself not a candidate (see vigilctl status on " + target + ")";
        return null;
    }

    /**
     * Why {@code target} can no longer take over once the switchover began (null: it still can). Its lag is not judged
     * again: it was within max_lag_on_failover when the switchover began, and the shutdown sends it everything; a lag
     * that grew since only makes it wait a little longer for its candidacy ({@link Fitness}) before the hand-over.
     */
    private static String lost(HaStep s, String target) {
        if (!s.freshlyAcked(target)) return target + " has not acknowledged this leader within a lease";
        Candidacy c = s.e.known().get(target);
        if (c != null && c.timeline() != s.view.timeline()) {
            return target + " is on timeline " + c.timeline() + ", the primary on " + s.view.timeline();
        }
        return null;
    }

    /**
     * Ends a switchover that is over: done, or failed before or after the resignation. Runs first in every decision,
     * before anything waits for the action in flight: a shutdown that hangs, or whose target vanished meanwhile, is
     * cut short by the fence (PostgreSQL killed, then started again as the primary by the ordinary rules).
     */
    static void settle(HaStep s) {
        SupervisorState.Handover h = s.handover;
        if (h == null) return;
        if (h.resignedAt() == 0 && s.inFlight instanceof PgAction.StopFast && !s.fencing && s.e.role() == Role.LEADER) {
            String cause = !s.freshlyAcked(h.target())
                    ? h.target() + " stopped acknowledging this leader while PostgreSQL shut down"
                    : s.now - s.inFlightSince >= STOP_MS ? "the clean shutdown did not end within " + STOP_MS / 1000
                    + " s (a walsender waits for a standby that is gone?)" : null;
            if (cause != null) {
                s.handover = null;
                s.fence(HaReason.SWITCHOVER_ABORTED, cause + ": PostgreSQL killed, to start again as the primary");
            }
            return;
        }
        if (h.resignedAt() == 0) {
            if (s.e.role() != Role.LEADER || !s.me.equals(s.pg.primary())) abort(s, "this node lost leadership before it could hand over");
        } else if (s.me.equals(s.pg.primary())) {
            if (s.now - h.resignedAt() >= HANDED_OVER_MS) {
                abort(s, h.target() + " did not take over within " + HANDED_OVER_MS / 1000 + " s of the resignation");
            }
        } else if (s.view.health() == PgView.Health.UP || s.now - h.resignedAt() >= REJOIN_MS) {
            s.handover = null; // handed over, and rejoined (or the proof that it may without a rewind has expired)
        }
    }

    /** The node step reports the VIPs that follow the primary gone from this host (or none configured). */
    static void vipsReleased(HaStep s) {
        if (s.handover != null && s.handover.awaitsVips()) s.handover = s.handover.withVipsGone();
    }

    /** A failed shutdown ends the switchover: the ordinary rules keep (or restart) the primary. */
    static void done(HaStep s, PgAction action, Outcome outcome) {
        if (s.handover == null || s.handover.resignedAt() != 0) return;
        if (action instanceof PgAction.Checkpoint) {
            s.handover = s.handover.withCheckpoint(); // done or not, the shutdown checkpoint does the rest
        } else if (action instanceof PgAction.StopFast && !outcome.ok()) {
            abort(s, "the clean shutdown failed: " + outcome.detail());
        }
    }

    private static void abort(HaStep s, String cause) {
        String target = s.handover.target();
        s.handover = null;
        s.why = new Why(HaReason.SWITCHOVER_ABORTED, target, cause);
    }

    /**
     * The leader's part, run before the rules that keep the primary ({@link Leading}); true when it decided this step.
     * Runs only with no action in flight. An abort is all its step decides, so that its reason is the one logged; the
     * next decision (the next probe at the latest) keeps or starts the primary.
     */
    static boolean lead(HaStep s) {
        SupervisorState.Handover h = s.handover;
        if (h == null || h.resignedAt() != 0) return false;
        String target = h.target();
        PgView view = s.view;
        if (view.writable()) {
            String bad = lost(s, target);
            if (bad != null) {
                abort(s, bad);
                return true;
            }
            if (!h.checkpointed()) {
                s.act(new PgAction.Checkpoint(), new Why(HaReason.SWITCHOVER, target,
                        "CHECKPOINT first, so that the shutdown checkpoint is short"));
            } else {
                s.act(new PgAction.StopFast(), new Why(HaReason.SWITCHOVER, target,
                        "stopping PostgreSQL cleanly: the standbys receive everything up to the shutdown checkpoint"));
            }
            return true;
        }
        if (view.health() == PgView.Health.UNKNOWN) return true; // the stop ended; its probe comes at once
        if (view.health() != PgView.Health.STOPPED || s.knowledge != PgSafety.STOPPED) {
            abort(s, "PostgreSQL is " + view.health() + " instead of stopped");
            return true;
        }
        if (h.stoppedAt() == 0) s.handover = h = h.stopped(s.now);
        PgView.Position end = view.position();
        if (!end.known()) {
            if (s.now - h.stoppedAt() >= CATCH_UP_MS) {
                abort(s, "where PostgreSQL's WAL ends could not be read within " + CATCH_UP_MS / 1000 + " s of the stop");
            } else {
                s.why = new Why(HaReason.SWITCHOVER, target, "PostgreSQL stopped; reading where its WAL ends");
            }
            return true;
        }
        Candidacy c = s.e.known().get(target);
        boolean received = c != null && s.freshlyAcked(target) && c.eligible() && c.timeline() == end.timeline()
                && c.lsn() >= end.lsn();
        if (received && h.vipsGone()) {
            s.handover = h.resigned(s.now, s.pg.timeline());
            s.standDown(new Why(HaReason.SWITCHOVER, target, "it received everything up to " + lsn(end.lsn())
                    + "; the VIPs are released; leadership handed to it"), target);
        } else if (received && h.releasingAt() == 0) {
            s.handover = h.releasing(s.now);
            s.why = new Why(HaReason.SWITCHOVER, target, "it received everything up to " + lsn(end.lsn())
                    + "; releasing the VIPs");
        } else if (received) {
            if (s.now - h.releasingAt() >= RELEASE_MS) {
                abort(s, "the VIPs were not released within " + RELEASE_MS + " ms");
            }
        } else if (s.now - h.stoppedAt() >= CATCH_UP_MS) {
            abort(s, target + " did not receive everything up to " + lsn(end.lsn()) + " within " + CATCH_UP_MS / 1000
                    + " s of the stop (it reports " + (c == null ? "nothing" : c.timeline() + " " + lsn(c.lsn())
                    + (c.eligible() ? "" : ", not a candidate")) + ")");
        } else {
            s.why = new Why(HaReason.SWITCHOVER, target, "waiting for it to receive everything up to " + lsn(end.lsn()));
            if (s.now >= askAt(s.e)) s.electionInputs.add(new vigil.core.election.Observation.HeartbeatNow(s.now));
        }
        return true;
    }

    /** When the leader next heartbeats while it waits for the target's position ({@link #ASK_EVERY_MS}). */
    static long askAt(ElectionState e) {
        return e.leadership() == null ? Long.MAX_VALUE : e.leadership().lastSentAt() + ASK_EVERY_MS;
    }

    /** An LSN as PostgreSQL writes it. */
    static String lsn(long lsn) {
        return vigil.core.election.Candidacy.lsnText(lsn);
    }
}
