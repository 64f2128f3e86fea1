package vigil.core.ha;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Durable;
import vigil.core.election.ElectionState;
import vigil.core.election.Electorate;
import vigil.core.election.Leadership;
import vigil.core.election.Observation;
import vigil.core.election.PgRecord;
import vigil.core.election.Report;
import vigil.core.election.Role;
import vigil.core.election.Timing;
import vigil.core.election.Voter;

/**
 * Named situations for the supervisor's unit tests. The supervisor only reads the election's state, so each
 * {@link ElectionState} is built directly ({@link Situation}); each {@link SupervisorState} either comes from
 * {@link SupervisorState#boot} or from {@link #probed}, which builds what a probe would have left. Times are around
 * {@link #NOW}; a leader's lease runs to {@link #LEASE_UNTIL}.
 */
final class HaFixture {
    private HaFixture() {}

    static final Timing TIMING = Timing.of(150, 1500, 0.01);
    static final List<Voter> THREE = List.of(Voter.data("n1"), Voter.data("n2"), Voter.data("n3"));
    static final long MB = 1L << 20;
    /** The cluster's PostgreSQL system identifier, as the record holds it. */
    static final long SYSTEM = 7_312_345_678_901_234_567L;
    /** Another PostgreSQL system's identifier: data that must never be touched. */
    static final long OTHER_SYSTEM = 7_300_000_000_000_000_001L;
    static final long MAX_LAG = 16 * MB;
    static final long MARGIN = 450;
    static final long RECLAIM_MS = 9_000;
    static final HaPolicy ASYNC = new HaPolicy(MAX_LAG, false, 3, 60_000, false, MARGIN, RECLAIM_MS, 5_000);
    static final HaPolicy SYNC = new HaPolicy(MAX_LAG, true, 3, 60_000, false, MARGIN, RECLAIM_MS, 5_000);
    static final HaPolicy WITHOUT_FENCING = new HaPolicy(MAX_LAG, false, 3, 60_000, true, MARGIN, RECLAIM_MS, 5_000);
    static final long NOW = 100_000;
    /** The last majority-acknowledged heartbeat left at {@code NOW - 70}: the lease runs {@code leaderLeaseMs} from there. */
    static final long LEASE_UNTIL = NOW - 70 + TIMING.leaderLeaseMs();
    /** The kernel boot every supervisor of these tests runs in, unless a test reboots the host. */
    static final String BOOT = "boot-a";
    /** The primary's WAL position. */
    static final long PRIMARY_LSN = 64 * MB;
    /** Where timeline 2 forked from timeline 1 (the promotion of n2). */
    static final long FORK_LSN = 60 * MB;

    // ---- the election, as the supervisor reads it ------------------------------------------------------------

    /**
     * What one node's election knows: its role and term, the committed record, which followers acknowledged this
     * leader lately (heartbeat 50 of this leadership; an acknowledgement of 40 or later counts as fresh), the
     * positions and reports it heard. Defaults: three data nodes, record version 1, elected long ago, lease until
     * {@link #LEASE_UNTIL}, record committed.
     */
    static final class Situation {
        private final String self;
        private final Role role;
        private final long term;
        private final String leader;
        private List<Voter> voters = THREE;
        private Timing timing = TIMING;
        private boolean strict;
        private PgRecord pg = PgRecord.NONE;
        private final Map<String, Long> ledIn = new HashMap<>();
        private final Map<String, Long> unwatched = new HashMap<>();
        private long electedAt = NOW - 5_000;
        private long leaseUntil = LEASE_UNTIL;
        private boolean committed = true;
        private final Map<String, Long> acked = new HashMap<>();
        private final Map<String, Candidacy> known = new HashMap<>();
        private final Map<String, Report.Heard> reports = new HashMap<>();
        private Candidacy own = Candidacy.ELIGIBLE;
        private long heardAt = NOW - 50;
        private String handedOverBy;

        private Situation(String self, Role role, long term, String leader) {
            this.self = self;
            this.role = role;
            this.term = term;
            this.leader = leader;
        }

        Situation voters(List<Voter> v) {
            voters = v;
            return this;
        }

        Situation timing(Timing t) {
            timing = t;
            return this;
        }

        Situation strict() {
            strict = true;
            return this;
        }

        Situation pg(PgRecord p) {
            pg = p;
            return this;
        }

        /** The record says {@code node} last led in {@code t}. */
        Situation ledIn(String node, long t) {
            ledIn.put(node, t);
            return this;
        }

        /** The record says {@code node} withdrew its watchdog announcements of term {@code t} (a restart of vigild). */
        Situation unwatched(String node, long t) {
            unwatched.put(node, t);
            return this;
        }

        Situation electedAt(long t) {
            electedAt = t;
            return this;
        }

        Situation leaseUntil(long t) {
            leaseUntil = t;
            return this;
        }

        /** The leader's current record has not yet been acknowledged by a majority. */
        Situation uncommitted() {
            committed = false;
            return this;
        }

        /** These followers acknowledged the leader's latest heartbeat: their vigild is alive and hears it. */
        Situation acked(String... nodes) {
            for (String n : nodes) acked.put(n, 50L);
            return this;
        }

        /** {@code node} last reported this eligible position. */
        Situation known(String node, long timeline, long lsn) {
            known.put(node, new Candidacy(true, timeline, lsn));
            return this;
        }

        Situation known(String node, Candidacy c) {
            known.put(node, c);
            return this;
        }

        /** {@code node}'s report as heard in a message of term {@code t}. */
        Situation report(String node, long t, Report r) {
            reports.put(node, new Report.Heard(t, r));
            return this;
        }

        /** {@code node}'s farewell (a Resign as it stopped or stood down) in term {@code t}. */
        Situation farewell(String node, long t, Report r) {
            reports.put(node, new Report.Heard(t, r, true));
            return this;
        }

        /** This leadership began with {@code node}'s resignation naming this node (a planned switchover). */
        Situation handedOverBy(String node) {
            handedOverBy = node;
            return this;
        }

        Situation own(Candidacy c) {
            own = c;
            return this;
        }

        /** A follower last heard its leader at {@code at} (by default 50 ms before {@link #NOW}). */
        Situation heardAt(long at) {
            heardAt = at;
            return this;
        }

        ElectionState build() {
            Electorate electorate = new Electorate(self, voters, timing, strict);
            String writer = role == Role.LEADER ? self : leader;
            Map<String, Long> led = new HashMap<>(ledIn);
            if (role == Role.LEADER) led.put(self, term);
            ClusterRecord record = new ClusterRecord(term, 1, writer, pg, led, unwatched);
            Durable durable = new Durable(term, role == Role.LEADER ? self : null, record);
            Leadership leadership = null;
            long contact = heardAt;
            if (role == Role.LEADER) {
                long start = leaseUntil == 0 ? 0 : leaseUntil - TIMING.leaderLeaseMs();
                vigil.core.election.SentTimes sent = vigil.core.election.SentTimes.of(50, NOW - 70);
                leadership = new Leadership(term, electedAt, 50, NOW - 70, sent, acked, start, leaseUntil,
                        committed ? 1 : 51, committed, handedOverBy);
                contact = NOW - 70;
            }
            return new ElectionState(electorate, durable, role, role == Role.LEADER ? self : leader,
                    role == Role.LEADER ? self : leader, contact, 0, 0, null, leadership, own, known, Report.UNKNOWN,
                    reports);
        }
    }

    /** {@code self} leads {@code term} (no record about PostgreSQL yet, nobody acknowledges). */
    static Situation leading(String self, long term) {
        return new Situation(self, Role.LEADER, term, self);
    }

    /** {@code self} follows {@code leader} (null: no leader known) in {@code term}. */
    static Situation following(String self, String leader, long term) {
        return new Situation(self, Role.FOLLOWER, term, leader);
    }

    /** A record naming {@code primary} as the primary of {@link #SYSTEM} on timeline 1, asynchronous. */
    static PgRecord primaryIs(String primary) {
        return new PgRecord(primary, SYSTEM, 1, null, List.of(), null);
    }

    /** The record after n2 was promoted in place of n1: timeline 2, forked from timeline 1 at {@link #FORK_LSN}. */
    static PgRecord promotedN2() {
        return new PgRecord("n2", SYSTEM, 2, new PgRecord.Fork(1, FORK_LSN), List.of(), null);
    }

    /**
     * The steady state: n1 leads term 5 with a lease until {@link #LEASE_UNTIL} and a committed record naming itself
     * primary of {@link #SYSTEM} on timeline 1; n2 and n3 acknowledge its heartbeats.
     */
    static Situation clusterWithPrimary() {
        return leading("n1", 5).pg(primaryIs("n1")).acked("n2", "n3");
    }

    /**
     * A failover in progress: n2 won term 6 long enough ago that positions have settled; the record still names n1
     * (which led term 5) as primary, and n1 is silent. n3 acknowledges, a little behind n2's standby.
     */
    static Situation newLeaderAfterPrimaryLost() {
        return leading("n2", 6).pg(primaryIs("n1")).ledIn("n1", 5).acked("n3").known("n3", 1, PRIMARY_LSN - 2 * MB);
    }

    /**
     * The step after a failover's proof: n2 leads term 6 and its committed record names it primary in place of n1,
     * whose proof must be re-checked just before pg_promote; n3 acknowledges, behind n2.
     */
    static Situation promotingLeader() {
        return leading("n2", 6).pg(primaryIs("n2").withPrimary("n2", "n1")).ledIn("n1", 5).acked("n3")
                .known("n3", 1, PRIMARY_LSN - 2 * MB);
    }

    /**
     * After a completed failover: {@code self} follows n2, leader of term 6 and recorded primary on timeline 2 (forked
     * from timeline 1 at {@link #FORK_LSN}); n1 led term 5.
     */
    static Situation followerOfNewPrimary(String self) {
        return following(self, "n2", 6).pg(promotedN2()).ledIn("n1", 5).ledIn("n2", 6);
    }

    /** n1's vigild restarted: the record still names n1 primary (it led term 5), no leader is known yet. */
    static Situation restartedPrimary() {
        return following("n1", null, 5).pg(primaryIs("n1")).ledIn("n1", 5);
    }

    // ---- the local PostgreSQL, as a probe shows it -----------------------------------------------------------

    /** A running primary of {@link #SYSTEM} on timeline 1 at {@code lsn}. */
    static PgView primary(long lsn) {
        return PgView.primary(1, lsn).withSystemId(SYSTEM);
    }

    /** A running primary of {@link #SYSTEM} whose effective synchronous_standby_names is {@code syncNames}. */
    static PgView primaryWithSync(long lsn, String syncNames) {
        return primary(lsn).withReplication(new PgView.Replication(false, null, null, syncNames));
    }

    static PgView standby(long timeline, long lsn, boolean streaming, String upstream) {
        return PgView.standby(timeline, lsn, streaming, upstream).withSystemId(SYSTEM);
    }

    /** A standby of n1 on timeline 1, streaming, {@code bytes} behind the primary's {@link #PRIMARY_LSN}. */
    static PgView standbyLagging(long bytes) {
        return standby(1, PRIMARY_LSN - bytes, true, "n1");
    }

    /** Verified stopped, with a cluster of {@link #SYSTEM} on disk that last ran in recovery. */
    static PgView stoppedCluster() {
        return PgView.stopped().withSystemId(SYSTEM);
    }

    /** Verified stopped; the control file says it last ran as a primary. */
    static PgView stoppedFormerPrimary() {
        return PgView.stopped().withDisk(new PgView.Disk(PgView.Disk.Data.CLUSTER, SYSTEM, true, false));
    }

    /** Verified stopped, with another system's cluster on disk. */
    static PgView foreignCluster() {
        return PgView.stopped().withSystemId(OTHER_SYSTEM);
    }

    static PgView emptyDataDir() {
        return PgView.empty();
    }

    static PgView hung() {
        return PgView.hung().withSystemId(SYSTEM);
    }

    static PgView failing() {
        return PgView.failing().withSystemId(SYSTEM);
    }

    // ---- the supervisor ------------------------------------------------------------------------------------

    /**
     * A supervisor that has run for a minute in {@link #BOOT}, whose last probe showed {@code view}, with nothing in
     * flight: what it knows about writes is what that probe proves (a primary may write, a running standby or a
     * verified stop cannot, anything else proves nothing), and a node seen writable has the need to rewind on disk.
     * It has not led since it started.
     */
    static SupervisorState probed(PgView view) {
        var knowledge = view.writable() ? Report.PgSafety.MAY_WRITE
                : view.isStandby() ? Report.PgSafety.STANDBY
                : view.health() == PgView.Health.STOPPED ? Report.PgSafety.STOPPED : Report.PgSafety.MAY_WRITE;
        boolean up = view.health() == PgView.Health.UP;
        PgView.Position last = up && view.position().known() ? view.position() : PgView.Position.NONE;
        SupervisorState booted = SupervisorState.boot(NOW - 60_000, BOOT, new HaDurable(view.writable(), "", 0));
        return new SupervisorState(new SupervisorState.Local(view, knowledge, -1, up, false, true, last),
                booted.work(), booted.rejoin(), booted.probes(), booted.durable(), booted.boot(), null);
    }

    /** The same supervisor, which has led since it started (a leader that loses its lease always fences). */
    static SupervisorState led(SupervisorState s) {
        return new SupervisorState(s.local(), s.work(), s.rejoin(), s.probes(), s.durable(),
                new SupervisorState.Boot(s.boot().at(), s.boot().id(), true), s.why());
    }

    /** The same supervisor with {@code durable} as its on-disk part. */
    static SupervisorState withDurable(SupervisorState s, HaDurable durable) {
        return new SupervisorState(s.local(), s.work(), s.rejoin(), s.probes(), durable, s.boot(), s.why());
    }

    /** The same supervisor with {@code action} in flight since {@code since} (a writable one makes it MAY_WRITE). */
    static SupervisorState running(SupervisorState s, PgAction action, long since) {
        SupervisorState.Work w = s.work();
        var local = s.local();
        if (action.makesWritable()) {
            local = new SupervisorState.Local(local.view(), Report.PgSafety.MAY_WRITE, local.stalledSince(),
                    local.seenUp(), local.selfStopped(), local.probed(), local.lastPosition());
        }
        return new SupervisorState(local, new SupervisorState.Work(action, since, w.fencing(), w.restarts(),
                w.failedActions(), w.retryAt(), w.checkpointPending(), w.startAfterFence(), w.stopping(), w.unfit(),
                w.syncApplied(), w.syncAppliedAt()), s.rejoin(), s.probes(), s.durable(), s.boot(), s.why());
    }

    // ---- driving it ------------------------------------------------------------------------------------------

    static HaDecision decide(SupervisorState s, Situation e, HaPolicy p, HaObservation o) {
        return Supervisor.decide(s, e.build(), p, o);
    }

    static HaDecision tick(SupervisorState s, Situation e, long at) {
        return decide(s, e, ASYNC, new HaObservation.Tick(at));
    }

    static HaDecision probe(SupervisorState s, Situation e, PgView view, long at) {
        return decide(s, e, ASYNC, new HaObservation.Probed(at, view));
    }

    static HaDecision done(SupervisorState s, Situation e, PgAction action, Outcome outcome, long at) {
        return decide(s, e, ASYNC, new HaObservation.ActionDone(at, action, outcome));
    }

    /** {@code node}'s PostgreSQL answered {@code result} to a direct probe sent at {@code startedAt}. */
    static HaDecision peer(SupervisorState s, Situation e, String node, PeerPg result, long startedAt, long at) {
        return decide(s, e, ASYNC, new HaObservation.PeerProbed(at, node, result, startedAt, result.name()));
    }

    static Outcome failed(Outcome.Failure f) {
        return Outcome.failed(f, f.name());
    }

    // ---- reading a decision ----------------------------------------------------------------------------------

    static boolean fences(HaDecision d) {
        return d.actions().contains(new PgAction.Fence());
    }

    static <T extends PgAction> List<T> actionsOf(HaDecision d, Class<T> kind) {
        return d.actions().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** The PostgreSQL record this decision asks the leader to write, or null. */
    static PgRecord recorded(HaDecision d) {
        PgRecord last = null;
        for (Observation o : d.electionInputs()) if (o instanceof Observation.RecordUpdate u) last = u.pg();
        return last;
    }

    static boolean resigns(HaDecision d) {
        return d.electionInputs().stream().anyMatch(Observation.Resign.class::isInstance);
    }

    /** The successor this decision's resignation names (null: none named, or no resignation). */
    static String resignsTo(HaDecision d) {
        return d.electionInputs().stream().filter(Observation.Resign.class::isInstance).map(o -> ((Observation.Resign) o).successor())
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /** The candidacy this decision reports to the election, or null when it did not change. */
    static Candidacy candidacy(HaDecision d) {
        Candidacy last = null;
        for (Observation o : d.electionInputs()) if (o instanceof Observation.CandidacyChanged c) last = c.candidacy();
        return last;
    }

    /** The supervisor's current reason (with its cause) after the decision. */
    static Why why(HaDecision d) {
        return d.next().why();
    }

    static HaReason reason(HaDecision d) {
        return d.next().reason();
    }

    /** Chains decisions: each next state is fed to the following one. */
    static List<HaDecision> chain(SupervisorState s, Situation e, HaObservation... observations) {
        List<HaDecision> out = new ArrayList<>();
        for (HaObservation o : observations) {
            HaDecision d = Supervisor.decide(s, e.build(), ASYNC, o);
            out.add(d);
            s = d.next();
        }
        return out;
    }
}
