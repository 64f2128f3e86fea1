package vigil.core.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.ElectionState;
import vigil.core.election.Observation;
import vigil.core.election.Role;

/**
 * Decides what the local PostgreSQL must do, given the election's state: the leader is the primary. Pure, like
 * {@link vigil.core.election.Election}: time is an input, no IO.
 *
 * <p>Invariants it keeps:
 * <ul>
 * <li>Only the leader, while its lease is valid for at least {@code selfFenceMarginMs} more, runs PostgreSQL
 *     writable. Anyone else with a writable PostgreSQL stops it at once (immediate shutdown), except a recorded
 *     primary that restarted and has not led since, during a bounded reclaim window: its PostgreSQL ran unfenced
 *     while its vigild was down and nobody promoted over it, because a new leader never promotes over an old
 *     primary that answers as writable.</li>
 * <li>A new leader promotes only when the old primary cannot take writes: it answered as not writable, or it is
 *     unreachable and {@code failover_without_fencing} accepts that risk (watchdog and fence agents plug in here).</li>
 * <li>Just before promoting, the leader re-checks the positions its followers reported: if one is ahead, it
 *     stands down so the most advanced standby leads (PAF's rule).</li>
 * <li>A node whose history may have forked (it was writable) rewinds before it follows a new primary.</li>
 * </ul>
 */
public final class Supervisor {
    static final long PEER_PROBE_EVERY_MS = 500;

    private Supervisor() {}

    public static HaDecision decide(SupervisorState s, ElectionState e, HaPolicy p, HaObservation o) {
        Step step = new Step(s, e, p, o.now());
        step.observe(o);
        step.decide();
        return step.finish();
    }

    private static final class Step {
        private final ElectionState e;
        private final HaPolicy p;
        private final long now;
        private final String me;
        private final ClusterRecord record;
        private final List<PgAction> actions = new ArrayList<>();
        private final List<Observation> electionInputs = new ArrayList<>();
        private final HaReason previousReason;
        private PgView view;
        private PgAction inFlight;
        private long inFlightSince;
        private List<Long> restarts;
        private String probedNode;
        private PeerPg probed;
        private long probedAt;
        private boolean needsRewind;
        private boolean rewindFailed;
        private final long bootAt;
        private long stalledSince;
        private HaReason reason;
        private long peerProbeAskedAt;
        private boolean ledSinceBoot;
        private boolean selfStopped;
        private List<String> appliedSync;
        private int appliedSyncCount;
        private boolean seenUp;
        private int failedActions;
        private long retryAt;

        Step(SupervisorState s, ElectionState e, HaPolicy p, long now) {
            this.e = e;
            this.p = p;
            this.now = now;
            this.me = e.electorate().self();
            this.record = e.durable().record();
            this.view = s.view();
            this.inFlight = s.inFlight();
            this.inFlightSince = s.inFlightSince();
            this.restarts = new ArrayList<>(s.restarts());
            this.probedNode = s.probedNode();
            this.probed = s.probed();
            this.probedAt = s.probedAt();
            this.needsRewind = s.needsRewind();
            this.rewindFailed = s.rewindFailed();
            this.bootAt = s.bootAt();
            this.stalledSince = s.stalledSince();
            this.previousReason = s.reason();
            this.reason = s.reason();
            this.peerProbeAskedAt = s.peerProbeAskedAt();
            this.ledSinceBoot = s.ledSinceBoot();
            this.selfStopped = s.selfStopped();
            this.appliedSync = s.appliedSync();
            this.appliedSyncCount = s.appliedSyncCount();
            this.seenUp = s.seenUp();
            this.failedActions = s.failedActions();
            this.retryAt = s.retryAt();
        }

        HaDecision finish() {
            SupervisorState next = new SupervisorState(view, inFlight, inFlightSince, restarts, probedNode, probed,
                    probedAt, needsRewind, rewindFailed, bootAt, stalledSince, reason, peerProbeAskedAt, ledSinceBoot,
                    selfStopped, appliedSync, appliedSyncCount, seenUp, failedActions, retryAt);
            return new HaDecision(next, actions, electionInputs, reason != previousReason ? reason : null);
        }

        void observe(HaObservation o) {
            if (o instanceof HaObservation.Probed pr) {
                view = pr.view();
                if (view.writable()) needsRewind = true; // a primary's history may fork from the next primary's
                if (view.health() == PgView.Health.UP) {
                    selfStopped = false;
                    seenUp = true;
                }
                boolean following = view.isStandby() && view.streaming() && view.upstream() != null
                        && view.upstream().equals(record.primary());
                if (following || !view.isStandby()) stalledSince = -1;
                else if (stalledSince < 0) stalledSince = now;
            } else if (o instanceof HaObservation.PeerProbed pp) {
                probedNode = pp.node();
                probed = pp.result();
                probedAt = now;
            } else if (o instanceof HaObservation.ActionDone d) {
                if (d.action().equals(inFlight)) inFlight = null;
                if (!(d.action() instanceof PgAction.ProbePeer)) {
                    if (d.ok()) {
                        failedActions = 0;
                        retryAt = 0;
                    } else {
                        // Back off: 0.5 s, 1 s, 2 s ... up to 30 s between attempts of a failing action.
                        failedActions++;
                        retryAt = now + Math.min(30_000, 500L << Math.min(6, failedActions - 1));
                        if (d.action() instanceof PgAction.StartPrimary) restarts.add(now); // a failed start counts
                    }
                }
                // What PostgreSQL looked like before the action says nothing about it now: wait for a new probe.
                if (!(d.action() instanceof PgAction.ProbePeer)) view = PgView.UNKNOWN;
                if (d.action() instanceof PgAction.Rewind) {
                    rewindFailed = !d.ok();
                    if (d.ok()) needsRewind = false;
                } else if (d.action() instanceof PgAction.Stop && d.ok()) {
                    selfStopped = true;
                    appliedSync = null;
                } else if (d.action() instanceof PgAction.SetSyncStandbys ss && d.ok()) {
                    appliedSync = ss.names();
                    appliedSyncCount = ss.count();
                } else if (d.action() instanceof PgAction.Clone && d.ok()) {
                    needsRewind = false;
                    rewindFailed = false;
                }
            }
            restarts.removeIf(t -> now - t >= p.failureTimeoutMs());
            if (e.holdsLease(now)) ledSinceBoot = true;
        }

        void decide() {
            if (!e.electorate().me().canLead()) return; // a witness holds no PostgreSQL
            Candidacy c = candidacy();
            if (!c.equals(e.own())) electionInputs.add(new Observation.CandidacyChanged(now, c));
            boolean leaseOk = e.role() == Role.LEADER && e.holdsLease(now + p.selfFenceMarginMs());
            if (view.writable() && !leaseOk && !reclaiming()) {
                if (!(inFlight instanceof PgAction.Stop)) act(new PgAction.Stop(true), HaReason.SELF_FENCE);
                return;
            }
            if (inFlight != null || now < retryAt) return;
            if (leaseOk) lead();
            else follow();
        }

        // ---- the leader: make this node's PostgreSQL the primary --------------------------------------------------

        /**
         * Record first, then act: this node becomes the recorded primary (a record a majority must acknowledge)
         * before it promotes or starts a primary, so no promotion can ever be unknown to a later leader.
         */
        private void lead() {
            if (me.equals(record.primary())) {
                keepPrimary();
            } else if (view.writable()) {
                act(new PgAction.Stop(true), HaReason.SELF_FENCE); // writable but not recorded: never trust it
            } else if (record.primary() == null) {
                if (view.health() == PgView.Health.UP || view.health() == PgView.Health.DOWN) {
                    recordPrimary(view.isStandby() ? view.timeline() : 1, HaReason.BOOTSTRAP_PRIMARY);
                }
            } else if (view.isStandby()) {
                failOver(record.primary());
            } else if (view.health() != PgView.Health.UNKNOWN) {
                standDown(HaReason.NOT_ELIGIBLE);
            }
        }

        private void recordPrimary(long timeline, HaReason why) {
            electionInputs.add(new Observation.RecordUpdate(now, me, timeline, record.sync()));
            reason = why;
        }

        private void keepPrimary() {
            if (view.writable()) {
                if (view.timeline() != record.timeline()) recordPrimary(view.timeline(), HaReason.PROMOTED);
                else if (!p.synchronous() || keepSyncSet()) reason = HaReason.PRIMARY_HEALTHY;
            } else if (!e.recordCommitted()) {
                reason = HaReason.WAITING_FOR_ACTION; // the record naming us is not yet known to a majority
            } else if (view.health() == PgView.Health.DOWN && (selfStopped || !seenUp)) {
                // We stopped it, or it has not run since this process started: a start, not a crash restart.
                seenUp = false;
                act(new PgAction.StartPrimary(), HaReason.START_PRIMARY);
            } else if (view.health() == PgView.Health.DOWN || view.health() == PgView.Health.HUNG) {
                if (restarts.size() >= p.migrationThreshold()) {
                    standDown(HaReason.MIGRATION_THRESHOLD_REACHED);
                    return;
                }
                restarts.add(now);
                seenUp = false;
                if (view.health() == PgView.Health.HUNG) actions.add(new PgAction.Stop(true));
                act(new PgAction.StartPrimary(), HaReason.PRIMARY_CRASHED_RESTART);
            } else if (view.isStandby()) {
                // Re-check just before promoting: a more advanced standby may have come back since the record.
                if (!positionsSettled(null)) reason = HaReason.PROMOTING;
                else if (peerAhead(new Candidacy(true, view.timeline(), view.lsn()), null)) standDown(HaReason.PEER_AHEAD);
                else act(new PgAction.Promote(), HaReason.PROMOTING);
            }
        }

        private void failOver(String oldPrimary) {
            long leaseStart = e.leadership().leaseStart();
            if (!oldPrimary.equals(probedNode) || probedAt < leaseStart) {
                askPeerProbe(oldPrimary, HaReason.PROBING_OLD_PRIMARY);
                return;
            }
            if (probed == PeerPg.WRITABLE) {
                // Its vigild is gone or cut off, but PostgreSQL still serves: never promote over it. If its vigild is
                // back (it acknowledges our heartbeats), hand leadership back so the primary leads again.
                if (freshlyAcked(oldPrimary)) standDown(HaReason.HAND_BACK_TO_PRIMARY);
                else askPeerProbe(oldPrimary, HaReason.OLD_PRIMARY_STILL_SERVING);
                return;
            }
            Candidacy oldPosition = e.known().get(oldPrimary);
            if (probed == PeerPg.NOT_WRITABLE && freshlyAcked(oldPrimary) && oldPosition != null
                    && oldPosition.eligible() && oldPosition.compareTo(candidacy()) > 0) {
                // It is strictly ahead (typically: its PostgreSQL is stopped and its vigild is here to restart it in
                // place, nothing lost, same timeline), so it also ranks first and stands first once we resign. An
                // equal old primary gets no hand-back: it would not stand first, and leadership would go round.
                standDown(HaReason.HAND_BACK_TO_PRIMARY);
                return;
            }
            if (probed == PeerPg.UNREACHABLE && !p.failoverWithoutFencing()) {
                askPeerProbe(oldPrimary, HaReason.FENCING_REQUIRED);
                return;
            }
            Candidacy mine = candidacy();
            if (!mine.eligible()) {
                standDown(HaReason.NOT_ELIGIBLE);
                return;
            }
            if (!positionsSettled(oldPrimary)) {
                reason = HaReason.PROBING_OLD_PRIMARY;
                return;
            }
            if (peerAhead(mine, oldPrimary)) {
                standDown(HaReason.PEER_AHEAD);
                return;
            }
            recordPrimary(record.timeline(), HaReason.PROMOTING);
        }

        /**
         * Before acting on positions, a new leader lets every other data node report one (an acknowledgement of
         * this leadership carries it), or waits three heartbeats for those that do not answer: a reachable standby
         * that is ahead must not be passed over only because its first acknowledgement was still on its way.
         */
        private boolean positionsSettled(String except) {
            long heartbeat = e.electorate().timing().heartbeatMs();
            if (now - e.leadership().electedAt() >= 3 * heartbeat) return true;
            for (var v : e.electorate().voters()) {
                if (v.canLead() && !v.name().equals(me) && !v.name().equals(except) && !freshlyAcked(v.name())) {
                    return false;
                }
            }
            return true;
        }

        /** A follower that acknowledged us recently reported a position beyond ours (PAF's re-check). */
        private boolean peerAhead(Candidacy mine, String except) {
            for (Map.Entry<String, Candidacy> peer : e.known().entrySet()) {
                String name = peer.getKey();
                if (name.equals(me) || name.equals(except) || !freshlyAcked(name)) continue;
                if (peer.getValue().eligible() && peer.getValue().compareTo(mine) > 0) return true;
            }
            return false;
        }

        /**
         * Synchronous mode: PostgreSQL waits for {@code ANY k} of the caught-up standbys, with k chosen so that any
         * majority able to elect a new leader once this primary is gone holds a standby that acknowledged each
         * commit; the vote rule then makes the winner at least as advanced as that standby. A standby enters the
         * record's synchronous set before PostgreSQL may count on it, and leaves it only after PostgreSQL stopped.
         *
         * @return true when PostgreSQL and the record agree with the wanted set
         */
        private boolean keepSyncSet() {
            List<String> wanted = new ArrayList<>();
            for (var v : e.electorate().voters()) {
                if (!v.canLead() || v.name().equals(me) || !freshlyAcked(v.name())) continue;
                Candidacy c = e.known().get(v.name());
                if (c != null && c.timeline() == view.timeline() && view.lsn() - c.lsn() <= p.maxLagBytes()) {
                    wanted.add(v.name());
                }
            }
            java.util.Collections.sort(wanted);
            int witnesses = (int) e.electorate().voters().stream().filter(v -> !v.canLead()).count();
            int count = wanted.isEmpty() ? 0
                    : Math.max(1, wanted.size() - (e.electorate().quorum() - witnesses) + 1);
            if (!wanted.equals(appliedSync) || count != appliedSyncCount) {
                if (!record.sync().containsAll(wanted)) {
                    java.util.TreeSet<String> union = new java.util.TreeSet<>(record.sync());
                    union.addAll(wanted);
                    electionInputs.add(new Observation.RecordUpdate(now, me, record.timeline(), List.copyOf(union)));
                    reason = HaReason.SYNC_SET_CHANGED;
                } else if (e.recordCommitted()) {
                    act(new PgAction.SetSyncStandbys(wanted, count), HaReason.SYNC_SET_CHANGED);
                }
                return false;
            }
            if (!wanted.containsAll(record.sync())) {
                electionInputs.add(new Observation.RecordUpdate(now, me, record.timeline(), wanted));
                reason = HaReason.SYNC_SET_CHANGED;
                return false;
            }
            return true;
        }

        // ---- everyone else: follow the recorded primary ---------------------------------------------------------

        private void follow() {
            String primary = record.primary();
            if (view.writable()) {
                reason = HaReason.RECLAIMING;
                return;
            }
            if (primary == null || primary.equals(me)) return; // nobody to follow yet
            if (view.health() == PgView.Health.DOWN) {
                if (!needsRewind) act(new PgAction.StartStandby(primary), HaReason.FOLLOW_PRIMARY);
                else if (rewindFailed) act(new PgAction.Clone(primary), HaReason.RECLONE);
                else act(new PgAction.Rewind(primary), HaReason.REWIND);
            } else if (view.health() == PgView.Health.HUNG) {
                act(new PgAction.Stop(true), HaReason.FOLLOW_PRIMARY);
            } else if (view.isStandby()) {
                if (!primary.equals(view.upstream())) {
                    act(new PgAction.StartStandby(primary), HaReason.FOLLOW_PRIMARY);
                } else if (stalledSince >= 0 && now - stalledSince >= p.standbyStallMs()
                        && primary.equals(e.leader())) {
                    // Not streaming although the primary leads (so it runs): our history forked from its. While the
                    // primary is gone a standby simply cannot stream; rewinding from a dead source would only make
                    // it ineligible for the failover that is coming.
                    needsRewind = true;
                    stalledSince = -1;
                    act(new PgAction.Stop(false), HaReason.REWIND);
                } else {
                    reason = HaReason.STANDBY_HEALTHY;
                }
            }
        }

        /**
         * After a restart, a recorded primary whose PostgreSQL still serves keeps it running for a bounded time
         * while it regains leadership, instead of cutting every client off. Only before it has led since boot:
         * a leader that loses its lease always fences.
         */
        private boolean reclaiming() {
            return me.equals(record.primary()) && !ledSinceBoot && now - bootAt < p.reclaimWindowMs();
        }

        /**
         * How fit this node is to become the primary: a running recorded primary at its flush position; a healthy
         * standby within max_lag of the primary's last known position (and, in synchronous mode, in the
         * synchronous set) at its received position; nothing else.
         */
        private Candidacy candidacy() {
            if (!e.electorate().me().canLead()) return Candidacy.INELIGIBLE;
            if (restarts.size() >= p.migrationThreshold() && !view.writable()) return Candidacy.INELIGIBLE;
            if (me.equals(record.primary())) {
                // The recorded primary's WAL is the longest there is: standbys only copy it. Running or stopped,
                // it is the best candidate until its restarts run out.
                if (view.writable() || view.isStandby()) return new Candidacy(true, view.timeline(), view.lsn());
                // Stopped or crashed: its exact position is unknown, but no standby can hold more than it wrote.
                return view.health() == PgView.Health.DOWN
                        ? new Candidacy(true, record.timeline(), Long.MAX_VALUE) : Candidacy.INELIGIBLE;
            }
            if (view.writable()) return Candidacy.INELIGIBLE;
            if (record.primary() == null) {
                // Bootstrap: a node holding data outranks an empty one, and voters refuse candidates behind them,
                // so an existing database is adopted rather than a new empty one initialised beside it.
                return view.health() == PgView.Health.UP || view.health() == PgView.Health.DOWN
                        ? new Candidacy(true, view.timeline(), view.lsn()) : Candidacy.INELIGIBLE;
            }
            if (!view.isStandby() || needsRewind) return Candidacy.INELIGIBLE;
            if (p.synchronous() && !record.sync().contains(me)) {
                return new Candidacy(false, view.timeline(), view.lsn()); // not promotable; position still reported
            }
            Candidacy primaryPosition = e.known().get(record.primary());
            if (primaryPosition != null && primaryPosition.timeline() == view.timeline()
                    && primaryPosition.lsn() != Long.MAX_VALUE && primaryPosition.lsn() - view.lsn() > p.maxLagBytes()) {
                return Candidacy.INELIGIBLE;
            }
            return new Candidacy(true, view.timeline(), view.lsn());
        }

        /** The follower acknowledged one of this leader's recent heartbeats: its vigild is alive and hears us. */
        private boolean freshlyAcked(String node) {
            if (e.leadership() == null) return false;
            long window = Math.max(1, e.electorate().timing().leaseMs() / e.electorate().timing().heartbeatMs());
            Long acked = e.leadership().acked().get(node);
            return acked != null && acked >= Math.max(1, e.leadership().seq() - window);
        }

        private void askPeerProbe(String node, HaReason why) {
            reason = why;
            if (now - peerProbeAskedAt >= PEER_PROBE_EVERY_MS) {
                peerProbeAskedAt = now;
                actions.add(new PgAction.ProbePeer(node));
            }
        }

        private void standDown(HaReason why) {
            reason = why;
            electionInputs.add(new Observation.Resign(now));
        }

        private void act(PgAction action, HaReason why) {
            actions.add(action);
            inFlight = action;
            inFlightSince = now;
            reason = why;
        }
    }
}
