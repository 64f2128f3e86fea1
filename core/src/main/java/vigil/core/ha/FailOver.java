package vigil.core.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;
import vigil.core.election.Voter;
import vigil.core.ha.SupervisorState.PeerProbe;

/**
 * A new leader whose record names another primary: promote this node only with a proof that the old primary
 * cannot write. A silent node proves nothing by itself (a dead daemon and a live, cut-off one look the same).
 * Proofs, any one of which suffices ({@link #proofs}):
 * <ol>
 * <li>its last report announced an armed watchdog: it keeps the watchdog alive while PostgreSQL may write only
 *     while its lease stays valid for longer than the watchdog's timeout, and its lease ended before ours began,
 *     so its daemon fenced PostgreSQL or the host has been reset;</li>
 * <li>its fence agents turned its host off within this leadership, and their {@code status} confirmed it
 *     ({@link #fence}); a reboot never counts;</li>
 * <li>an operator swore it is off ({@code vigilctl confirm-down}), recorded in the cluster record, and it has not
 *     been heard from since; the promotion's record drops the oath (used once), and a leader that hears from the
 *     node drops it too ({@link Leading#lead});</li>
 * <li>its PostgreSQL answered directly that it is in recovery, or its vigild reported PostgreSQL verified stopped
 *     or a standby with no promotion under way, and it has not led since (a leaving node says so when it resigns);</li>
 * <li>{@code failover_without_fencing: true}: the operator accepted the risk.</li>
 * </ol>
 * An old primary that answers directly as writable is never promoted over (its vigild crashed; PostgreSQL is fine).
 */
final class FailOver {
    private FailOver() {}

    static void failOver(HaStep s, String old) {
        // A fence or an operator's confirmation proves the node off only while it stays silent: heard from again,
        // it has come back (it then offers its own report as proof).
        if (s.fences.containsKey(old) && s.freshlyAcked(old)) s.fences.remove(old);
        PeerProbe answer = s.probes.get(old);
        // An answer cut short by the check's 80 ms deadline counts only while the proof that allowed the short deadline
        // still holds (an operator's oath or a fence is void once the node is heard from again): otherwise the full
        // deadline is asked for again before anything is concluded from silence.
        // An answer asked before this leadership stands only as the check, when it proves nothing (EarlyCheck).
        if (answer == null
                || answer.startedAt() < s.e.leadership().electedAt() && !EarlyCheck.counts(s, old, answer)
                || answer.shortOfAFullCheck() && checkDeadline(s, old) == PgAction.ProbePeer.DEADLINE_MS) {
            s.askPeerProbe(old, new Why(HaReason.PROBING_OLD_PRIMARY, old, "asking its PostgreSQL directly"),
                    checkDeadline(s, old));
            return;
        }
        if (answer.result() == PeerPg.WRITABLE) {
            // Its vigild is gone or cut off, but PostgreSQL still serves: never promote over it. If its vigild is
            // back (it acknowledges our heartbeats), hand leadership back so the primary leads again.
            // Handed back by name, as a switchover hands over: the primary stands at once and the others hold back an
            // election timeout. Without the name every survivor was free to stand after its stagger, and one that did
            // before it heard the primary win unseated it with a newer term: the primary, no longer leading, fenced
            // its own PostgreSQL and the next leader promoted (the simulator's vigild-restart seed 3958).
            // And only once its vigild reports the position it stands with: a vigild just restarted reports a placeholder
            // until its first probe, with which it could not win, and a resignation it could not use left nobody leading
            // until this node stood again, a second term for every hand-back that came that early (bin/bench
            // restart-daemon).
            if (s.freshlyAcked(old) && standsToWin(s, old)) {
                s.standDown(new Why(HaReason.HAND_BACK_TO_PRIMARY, old, "its PostgreSQL still serves"), old);
            } else {
                s.askPeerProbe(old, new Why(HaReason.OLD_PRIMARY_STILL_SERVING, old, s.freshlyAcked(old)
                        ? "answers as a writable primary; its vigild does not report a position to stand with yet"
                        : "answers as a writable primary"));
            }
            return;
        }
        Candidacy oldPosition = s.e.known().get(old);
        if (s.freshlyAcked(old) && s.e.pgProvenSafe(old) && oldPosition != null && oldPosition.eligible()
                && oldPosition.compareTo(Fitness.candidacy(s)) > 0) {
            // It is strictly ahead (typically: its PostgreSQL is stopped and its vigild is here to restart it in
            // place, nothing lost, same timeline), so it also ranks first and stands first once we resign. An equal
            // old primary gets no hand-back: it would not stand first, and leadership would go round.
            s.standDown(new Why(HaReason.HAND_BACK_TO_PRIMARY, old, "it is ahead and can restart in place"), old);
            return;
        }
        List<String> proofs = proofs(s, old, answer);
        if (proofs.isEmpty() && s.p.fenceable().contains(old)) {
            fence(s, old, answer);
            return;
        }
        if (proofs.isEmpty()) {
            s.askPeerProbe(old, new Why(HaReason.FENCING_REQUIRED, old, missing(s, old, answer)));
            return;
        }
        Fitness.Assessment fitness = Fitness.assess(s);
        Candidacy mine = fitness.candidacy();
        if (!mine.eligible()) {
            s.standDown(HaReason.NOT_ELIGIBLE, fitness.why());
            return;
        }
        if (!positionsSettled(s, old)) {
            s.why = new Why(HaReason.PROBING_OLD_PRIMARY, old, "waiting for every standby's position");
            return;
        }
        boolean waived = OrderedFailover.waivesPositions(s);
        String ahead = waived ? null : peerAhead(s, mine, old);
        if (ahead != null) {
            s.standDown(new Why(HaReason.PEER_AHEAD, ahead, aheadBy(s, ahead, mine)));
            return;
        }
        // Ordered with --accept-data-loss: a ban of this node would withdraw the primary's own candidacy; it is lifted.
        var next = s.pg.withPrimary(s.me, old).withSync(SyncSet.othersIfSynchronous(s)).withConfirmedDown(null);
        if (waived && next.banned().contains(s.me)) next = next.withBan(s.me, false);
        Leading.record(s, next, new Why(HaReason.PROMOTING, old, "proof: " + String.join(", ", proofs)
                + (s.order == null ? "" : "; ordered by " + s.order.operator()
                        + (waived ? ", accepting data loss: " + OrderedFailover.loss(s) : "")), cause(s, old)));
        s.fences.remove(old); // used once (the operator's confirmation is gone from the record just written)
    }

    /**
     * Why {@code old} is replaced, as this leader knows it now (a label: it decides nothing). Its vigild may have
     * acknowledged this leadership since it resigned, which replaces the farewell among the reports: heard from now
     * counts as stepped down as well (it is there, and no longer leads).
     */
    static PromotionCause cause(HaStep s, String old) {
        if (s.order != null) return PromotionCause.ORDERED;
        if (old.equals(s.e.leadership().handedOverBy())) return PromotionCause.SWITCHOVER;
        if (s.e.reportOf(old).farewell() || s.freshlyAcked(old)) return PromotionCause.PRIMARY_STEPPED_DOWN;
        return PromotionCause.PRIMARY_UNREACHABLE;
    }

    /**
     * {@code old} reports itself eligible at a real position it knows (not the placeholder a vigild reports before its
     * first probe, at timeline 0). Its LSN is not compared with this leader's: voters exempt the recorded primary from
     * comparisons of position ({@code Standing.deserves}), and under steady writes its relayed position is older than
     * this standby's newest probe, so such a comparison could hold the hand-back off until the reclaim window ended.
     */
    private static boolean standsToWin(HaStep s, String old) {
        Candidacy c = s.e.known().get(old);
        return c != null && c.eligible() && c.known() && c.timeline() != 0;
    }

    /** A failed fence is tried again after this long (the agents' BMCs may come back). */
    static final long FENCE_RETRY_MS = 10_000;

    /**
     * No other proof, and fence agents are configured for {@code old}: run them (off, then status, level by level),
     * once per leadership and again every {@link #FENCE_RETRY_MS} after a failure. Until one confirms "off" this node
     * does not promote, and its reason says which level and device failed.
     */
    private static void fence(HaStep s, String old, PeerProbe answer) {
        long elected = s.e.leadership().electedAt();
        PeerProbe last = s.fences.get(old);
        boolean askedNow = s.fenceAskedAt != Long.MIN_VALUE && s.fenceAskedAt >= elected;
        boolean running = askedNow && (last == null || last.answeredAt() < s.fenceAskedAt);
        if (running) {
            s.why = new Why(HaReason.FENCING_OLD_PRIMARY, old, "its fence agents run");
        } else if (!askedNow || s.now - s.fenceAskedAt >= FENCE_RETRY_MS) {
            s.fenceAskedAt = s.now;
            s.actions.add(new PgAction.FenceNode(old));
            s.why = new Why(HaReason.FENCING_OLD_PRIMARY, old, missing(s, old, answer) + "; running its fence agents");
        } else {
            s.why = new Why(HaReason.FENCING_REQUIRED, old, "its fence agents failed: " + last.detail()
                    + "; trying again " + FENCE_RETRY_MS / 1000 + " s after the last attempt");
        }
    }

    /** No answer to a direct probe (yet): the proofs that need none. */
    private static final PeerProbe NO_ANSWER = new PeerProbe(PeerPg.UNKNOWN, 0, 0, "");

    /**
     * The deadline of a direct probe of {@code old}: with a proof in hand already (its watchdog, its own report, its
     * fence agents, an operator's oath) the answer is only the check that it does not answer as writable, asked with
     * {@link PgAction.ProbePeer#CHECK_DEADLINE_MS}, so a dead host, the usual case, costs 80 ms before the promotion,
     * not 200; otherwise the answer may be the proof itself ("in recovery"), and with {@code failover_without_fencing}
     * it is the only guard against a live primary: the full deadline.
     */
    static long checkDeadline(HaStep s, String old) {
        return proofs(s, old, NO_ANSWER, false).isEmpty() ? PgAction.ProbePeer.DEADLINE_MS : PgAction.ProbePeer.CHECK_DEADLINE_MS;
    }

    /** Every proof that {@code old}'s PostgreSQL cannot write now; empty when there is none. */
    static List<String> proofs(HaStep s, String old, PeerProbe answer) {
        return proofs(s, old, answer, true);
    }

    /** {@code risk}: count {@code failover_without_fencing} among them (it proves nothing; the operator accepted it). */
    private static List<String> proofs(HaStep s, String old, PeerProbe answer, boolean risk) {
        List<String> proofs = new ArrayList<>();
        long watchdog = s.e.watchdogOf(old);
        if (watchdog > 0) proofs.add("watchdog armed (" + watchdog + " ms) and its lease ended");
        if (s.e.pgProvenSafe(old)) {
            Report.Heard heard = s.e.reportOf(old);
            proofs.add("its vigild reported PostgreSQL " + heard.report().pg() + " in term " + heard.term()
                    + (heard.farewell() ? " as it stopped" : ""));
        }
        if (answer.result() == PeerPg.IN_RECOVERY) proofs.add("its PostgreSQL answers in recovery");
        PeerProbe fenced = s.fences.get(old);
        if (fenced != null && fenced.result() == PeerPg.POWERED_OFF && fenced.startedAt() >= s.e.leadership().electedAt()) {
            proofs.add("fence agents: " + fenced.detail());
        }
        PgRecord.Confirmed oath = s.pg.confirmedDown();
        if (oath != null && oath.node().equals(old) && !s.freshlyAcked(old)) proofs.add(oath.toString());
        if (risk && s.p.failoverWithoutFencing()) proofs.add("failover_without_fencing accepts the risk");
        return proofs;
    }

    private static String missing(HaStep s, String old, PeerProbe answer) {
        Report report = s.e.reportOf(old).report();
        return "no proof that " + old + " cannot write: no armed watchdog announced; "
                + (s.freshlyAcked(old) ? "its vigild reports PostgreSQL " + report.pg() : "its vigild is silent")
                + "; its PostgreSQL " + (answer.detail().isEmpty() ? answer.result().name() : answer.detail())
                + (s.p.fenceable().contains(old) ? "" : "; no fence agent (failover_without_fencing is off)");
    }

    /**
     * Before acting on positions, a new leader lets every other data node report one (an acknowledgement of this
     * leadership carries it), or waits three heartbeats for those that do not answer: a reachable standby that is
     * ahead must not be passed over only because its first acknowledgement was still on its way.
     */
    static boolean positionsSettled(HaStep s, String except) {
        long heartbeat = s.e.electorate().timing().heartbeatMs();
        if (s.now - s.e.leadership().electedAt() >= 3 * heartbeat) return true;
        for (Voter v : s.e.electorate().voters()) {
            if (v.canLead() && !v.name().equals(s.me) && !v.name().equals(except) && !s.freshlyAcked(v.name())) {
                return false;
            }
        }
        return true;
    }

    /** A follower that acknowledged us recently reported a position beyond ours (PAF's re-check); null if none. */
    static String peerAhead(HaStep s, Candidacy mine, String except) {
        for (Map.Entry<String, Candidacy> peer : s.e.known().entrySet()) {
            String name = peer.getKey();
            if (name.equals(s.me) || name.equals(except) || !s.freshlyAcked(name)) continue;
            if (peer.getValue().eligible() && peer.getValue().compareTo(mine) > 0) return name;
        }
        return null;
    }

    static String aheadBy(HaStep s, String peer, Candidacy mine) {
        Candidacy c = s.e.known().get(peer);
        if (c.timeline() != mine.timeline()) return "on timeline " + c.timeline() + ", this node on " + mine.timeline();
        return (c.lsn() - mine.lsn()) + " bytes ahead";
    }
}
