package vigil.core.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Event;
import vigil.core.election.Role;
import vigil.core.ha.SupervisorState;
import vigil.core.node.NodeDecision;
import vigil.core.node.NodeState;

/**
 * The promise, checked after every event from what a client (or an operator) could observe, never from what the
 * nodes believe:
 * <ol>
 * <li>never two nodes holding a valid lease at one real instant; terms never go back; one leader per term;</li>
 * <li>at most one PostgreSQL accepts writes — except a host suspended whole and resumed, whose stopped clock still
 *     shows a valid lease (the gap DESIGN.md names): counted apart, and in synchronous mode it must not get a single
 *     commit acknowledged;</li>
 * <li>a PostgreSQL accepts writes only while its running vigild holds a valid lease, no slack (or within the bounded
 *     reclaim window after a restart); under a stalled or dead vigild, only while its lease lasts when a watchdog is
 *     armed (without one such writes are counted as unsupervised);</li>
 * <li>synchronous mode: no acknowledged commit is missing from a primary that is promoted or started;</li>
 * <li>no automatic destruction: no initdb once the record names a system, no rewind or copy removes the last copy
 *     of the newest acknowledged commit of the recorded history; no standby starts with data the cluster lost.</li>
 * </ol>
 */
final class Invariants {
    private final Simulation sim;
    /** A fence begins within this long of its decision (the driver's wake-up). */
    static final long FENCE_LATENCY_US = 50_000;
    /** The fence's kill lands within this long of its start: the simulator's takes up to 200 ms (SimIo#fence). */
    static final long KILL_LATENCY_US = 200_000;
    /**
     * How late a freeze on doubt may stop commits: the wake's lateness (up to 30 ms, Simulation#scheduleWake), the tick
     * floor (10 ms), the freezer (5 ms).
     */
    static final long DOUBT_LATENCY_MS = 52;
    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    private final Map<String, Long> diskTerm = new HashMap<>();
    /** Per node, the last real instant it held a valid lease. */
    private final Map<String, Long> leaseSeenUs = new HashMap<>();
    /** Per timeline, the newest acknowledged commit. */
    private final Map<Long, Long> acked = new HashMap<>();
    private long lastAckTl;
    private long lastAckLsn;

    Invariants(Simulation sim) {
        this.sim = sim;
    }

    static boolean mayWrite(NodeState s) {
        return s.supervisor() != null && s.supervisor().local().knowledge() == vigil.core.election.Report.PgSafety.MAY_WRITE;
    }

    static long leaseUntil(NodeState s) {
        var l = s.election().leadership();
        return s.election().role() == Role.LEADER && l != null && l.leaseEstablished() ? l.leaseUntil() : Long.MIN_VALUE;
    }

    // ---- after each decision ----------------------------------------------------------------------------------

    void decided(SimHost h, NodeDecision d) {
        for (Event ev : d.events()) {
            sim.note(h.name + " " + ev);
            if (ev instanceof Event.RoleChanged rc) sim.rounds.roleChanged(h.name, rc);
            if (ev instanceof Event.RoleChanged rc && rc.to() == Role.LEADER) {
                sim.counts.add("leaderships");
                String previous = leaderOfTerm.putIfAbsent(rc.term(), h.name);
                if (previous != null && !previous.equals(h.name)) {
                    sim.fail("two leaders in term " + rc.term() + ": " + previous + " and " + h.name);
                }
            }
        }
        if (d.why() != null) {
            sim.note(h.name + " ha " + d.why());
            sim.counts.add("why_" + d.why().reason());
            if (d.why().promotion() != null) sim.counts.add("promotion_" + d.why().promotion().word());
            if (d.why().reason() == vigil.core.ha.HaReason.SWITCHOVER_ABORTED && d.why().detail().startsWith("the clean shutdown")) {
                sim.counts.add("switchover_aborted_by_a_failed_stop");
            }
            if (d.why().reason() == vigil.core.ha.HaReason.PROMOTING && d.why().detail().contains("; ordered by ")) {
                sim.counts.add(d.why().detail().contains("accepting data loss") ? "promoting_ordered_accepting_loss"
                        : "promoting_ordered");
            }
        }
        for (String n : d.notes()) {
            sim.note(h.name + " " + n);
            if (n.startsWith("restart-daemon given up")) sim.counts.add("restart_daemon_given_up");
        }
    }

    // ---- after each event -------------------------------------------------------------------------------------

    void check() {
        String holder = null;
        for (SimHost h : sim.hosts.values()) {
            long term = h.electionDisk.term();
            Long before = diskTerm.put(h.name, term);
            if (before != null && term < before) sim.fail(h.name + " term went backwards: " + before + " -> " + term);
            // A suspended host's clock stands still, so its lease "lasts" (the gap a lease cannot close, counted below).
            if (h.up && h.proc != null && !h.suspended() && !staleLease(h)
                    && h.proc.state.election().holdsLease(h.localMs(sim.nowUs))) {
                if (holder != null) sim.fail("two nodes hold a valid lease at the same instant: " + holder + " and " + h.name);
                holder = h.name;
                leaseSeenUs.put(h.name, sim.nowUs);
            }
        }
        if (!sim.spec.postgres()) return;
        vipRule();
        trackedRule();
        List<SimHost> writers = new ArrayList<>();
        for (SimHost h : sim.dataHosts()) {
            if (!h.accepting()) continue;
            writers.add(h);
            leaseRule(h);
            doubtRule(h);
        }
        if (writers.size() > 1) {
            List<SimHost> real = writers.stream().filter(w -> !inGap(w)).toList();
            if (real.size() > 1) {
                sim.fail("two PostgreSQL accept writes: " + writers.stream().map(w -> w.name).toList());
            }
            sim.counts.add("gap_events");
        }
    }

    /**
     * The VIP is never answered for by two hosts at once (a suspended host answers nothing). Allowed only where the
     * writers' rule allows two writers: a host in the gap a lease cannot close (suspended whole, then resumed), and
     * failover_without_fencing, the risk that setting names.
     */
    private void vipRule() {
        List<SimHost> holders = sim.hosts.values().stream().filter(h -> h.up && !h.suspended() && h.vipHeld).toList();
        if (holders.size() < 2) return;
        if (sim.spec.failoverWithoutFencing() || holders.stream().anyMatch(this::inSuspendTail)) {
            sim.counts.add("vip_double_excused");
            return;
        }
        sim.fail("the VIP is on two hosts at once: " + holders.stream().map(h -> h.name).toList());
    }

    /**
     * The VIPs placed by checks are never answered for by two hosts at once. Allowed only for a host in the gap a
     * lease cannot close (suspended whole, then resumed: its clock stood still, so its grant outlasted real time).
     */
    private void trackedRule() {
        List<SimHost> holders = sim.hosts.values().stream().filter(h -> h.up && !h.suspended() && h.trackedHeld).toList();
        if (holders.size() == 1) sim.counts.add("tracked_held_events");
        if (holders.size() < 2) return;
        if (holders.stream().anyMatch(this::inSuspendTail)) {
            sim.counts.add("tracked_double_excused");
            return;
        }
        if (holders.stream().anyMatch(this::frozenHolder)) {
            sim.counts.add("tracked_double_frozen_holder");
            return;
        }
        sim.fail("a VIP placed by checks is on two hosts at once: " + holders.stream().map(h -> h.name).toList());
    }

    /**
     * A holder whose vigild could not act: dead (the address outlives it until systemd starts it again, which removes
     * it first thing), frozen, or resumed within the last 100 ms (its release guard fires at once, the loop's release
     * is a few milliseconds behind). No grant is honoured by a process that does not run; nothing but a watchdog could
     * cover that, and followers arm none (the documented limit of VIPs placed by checks).
     */
    private boolean frozenHolder(SimHost h) {
        SimHost.Proc p = h.proc;
        return p == null || p.pausedUntilUs > sim.nowUs || sim.nowUs - h.steadySinceUs < 100_000;
    }

    /** A PostgreSQL that accepts writes does so under its vigild's lease. */
    private void leaseRule(SimHost h) {
        // Resumed from a suspend, its clock stood still: it believes in a lease that ended in real time until it
        // learns otherwise. Counted with the writers; synchronous mode checks its acknowledgements.
        if (inSuspendTail(h) || h.proc != null && staleLease(h)) return;
        long local = h.localMs(sim.nowUs);
        SimHost.Proc p = h.proc;
        // A loop blocked in an fsync is still covered: the lease guard runs on a thread of its own. A vigild that
        // just started and has not looked at PostgreSQL yet inherits what it found: that counts as unsupervised, and
        // so does the time its first fence takes to kill what it found.
        boolean looking = p != null && (p.firstProbedUs == 0 || sim.nowUs - p.firstProbedUs < FENCE_LATENCY_US
                || p.fenceBeganUs >= p.firstProbedUs && p.fenceBeganUs - p.firstProbedUs < FENCE_LATENCY_US
                && sim.nowUs - p.fenceBeganUs < KILL_LATENCY_US);
        // Strict only for a vigild that has run without a pause since it should have fenced: one that was frozen
        // across that moment had no means to act (that is what the watchdog is for, checked below).
        boolean steady = p != null && h.steadySinceUs <= fenceDueUs(h, p);
        if (p != null && !p.halted && p.pausedUntilUs <= sim.nowUs && !looking && steady) {
            if (p.state.election().holdsLease(local) || reclaiming(h, p.state, local)) return;
            long ended = Math.max(p.lastLeaseUntil, leaseUntil(p.state));
            // A leader that stepped down early (it saw a newer term) fences at once, but the lease the others honour
            // runs to its end: until then no other node can have been elected, and the lease guard is still armed.
            if (local < ended) return;
            sim.fail(h.name + "'s PostgreSQL accepts writes while its running vigild holds no lease ("
                    + p.state.election().role() + (ended == Long.MIN_VALUE ? ", no lease in this process"
                    : ", its lease ended " + (local - ended) + " ms ago") + ")");
        }
        long leaseEnd = Math.max(h.orphanLeaseUntilLocal, p != null ? leaseUntil(p.state) : Long.MIN_VALUE);
        if (local <= leaseEnd) return;
        if (p != null && !p.halted && reclaiming(h, p.state, local)) return;
        if (h.wdArmed) {
            sim.fail(h.name + "'s PostgreSQL accepts writes " + (local - leaseEnd) + " ms after its lease ended, its vigild "
                    + (p == null ? "dead" : "stalled") + ", and its armed watchdog did not reset the host");
        }
        sim.counts.add("unsupervised_write_checks");
    }

    /**
     * A leader whose lease fell in doubt (no majority acknowledged a heartbeat sent in the last
     * {@code Freezing.doubtMs}) takes no more commits once its freeze had time to act: the wake's lateness, the 10 ms
     * tick floor and the freezer's few ms ({@link #DOUBT_LATENCY_MS}). Strict only for a vigild that ran steadily since
     * the doubt began (not paused, blocked in an fsync or suspended), before the self-fence margin (the lease rule's
     * part), with no slow freeze or thaw under way, and not already fencing.
     */
    private void doubtRule(SimHost h) {
        SimHost.Proc p = h.proc;
        if (p == null || p.halted) return;
        vigil.core.election.ElectionState e = p.state.election();
        vigil.core.election.Leadership l = e.leadership();
        if (e.role() != vigil.core.election.Role.LEADER || l == null || !l.leaseEstablished()) return;
        long local = h.localMs(sim.nowUs);
        var t = e.electorate().timing();
        // From when the node could know it had to freeze: the doubt, or (later) when it learnt its server may write,
        // or when the acknowledgements that established this term's lease arrived (late: it was in doubt when won).
        long doubtAt = Math.max(Math.max(l.leaseStart() + 2 * t.heartbeatMs() + t.heartbeatMs() / 2, p.mayWriteSinceLocal),
                p.leaseEstablishedLocal);
        if (local <= doubtAt + DOUBT_LATENCY_MS || local >= l.leaseUntil() - margin(h)) return;
        long doubtAtUs = sim.nowUs - (local - doubtAt) * 1000; // when, in real time (clock rates differ by 1 % at most)
        SupervisorState sup = p.state.supervisor();
        boolean steady = h.steadySinceUs <= doubtAtUs && p.pausedUntilUs <= doubtAtUs && p.busyUntilUs <= doubtAtUs;
        // A planned stop's fast shutdown ends the sessions itself (the model lets commits go on until down); a freezer
        // that could not write has said so, and the node goes on without freezing, as it did before freezing existed.
        if (!steady || p.freezeSlowUntilUs > doubtAtUs || sup == null || sup.work().fencing() || sup.work().stopping()
                || sup.freeze().unavailable()) {
            return;
        }
        // The rule checks the freeze, given what the node knows. A server it believes stopped while it takes commits is
        // a start that outran a fence (the fence verified, then the cancelled start's postmaster came up): the next
        // probe corrects it, and the lease rule keeps checking those writes.
        if (sup.local().knowledge() != vigil.core.election.Report.PgSafety.MAY_WRITE) {
            sim.counts.add("doubt_knowledge_stale");
            return;
        }
        sim.fail(h.name + "'s PostgreSQL takes commits " + (local - doubtAt) + " ms after its lease fell in doubt (the "
                + "newest majority-acknowledged heartbeat was sent at " + l.leaseStart() + " ms, own clock; freeze "
                + sup.freeze() + ", knowledge " + sup.local().knowledge() + ", " + sup.why() + ", in flight "
                + sup.work().inFlight() + (sup.work().stopping() ? ", stopping" : "") + ")");
    }

    /**
     * No needless reset: a watchdog that fires while its host's vigild ran without a stall since it had to fence, and
     * its fence (started on time) was an ordinary one, means the self-fence margin left the fence too little room: an
     * isolated leader would be rebooted although it fenced itself.
     */
    void resetWithFenceUnderWay(SimHost h) {
        SimHost.Proc p = h.proc;
        if (p == null || p.halted || p.fenceBeganUs == 0 || p.fenceSlow) return;
        long due = fenceDueUs(h, p);
        // Steady since before its last keep-alive could have been due: a vigild frozen across that moment could not
        // keep the device alive, and its reset is what the watchdog is for.
        long since = sim.nowUs - (Simulation.WATCHDOG_TIMEOUT_MS + Simulation.WATCHDOG_SLACK_MS + margin(h)) * 1000;
        boolean steady = h.steadySinceUs <= Math.min(due, since) && p.pausedUntilUs <= since && p.busyUntilUs <= since;
        if (due == Long.MAX_VALUE || !steady || p.fenceBeganUs > due + FENCE_LATENCY_US || sim.nowUs - p.fenceBeganUs > 1_000_000) return;
        // The device was doomed before the lease that set this fence's instant was won: the renewal that set it came
        // after the last instant that lease allowed a keep-alive (its end less the device's timeout, slack and guard),
        // so no keep-alive could follow it. No margin helps there; the reset is the watchdog doing its job.
        long lastAllowed = Math.max(p.lastLeaseUntil, leaseUntil(p.state)) - Simulation.WATCHDOG_TIMEOUT_MS
                - Simulation.WATCHDOG_SLACK_MS - 20;
        if (p.leaseRenewedLocal > lastAllowed && h.wdLastKickLocal < p.leaseRenewedLocal) {
            sim.counts.add("watchdog_doomed_before_renewal");
            return;
        }
        sim.fail(h.name + "'s watchdog reset its host " + (sim.nowUs - p.fenceBeganUs) / 1000 + " ms after an ordinary "
                + "fence began, its vigild steady: the self-fence margin (" + margin(h) + " ms) leaves the fence too "
                + "little room before the device fires (fence due at " + due / 1000 + " ms, steady since "
                + h.steadySinceUs / 1000 + " ms)");
    }

    private long margin(SimHost h) {
        return sim.configOf(h.name).policy().selfFenceMarginMs();
    }

    /**
     * The real instant this vigild had to fence by: the end of its lease, or of the reclaim window it keeps on disk,
     * less the fence margin; {@code Long.MAX_VALUE} if it had neither.
     */
    private long fenceDueUs(SimHost h, SimHost.Proc p) {
        long lease = Math.max(p.lastLeaseUntil, leaseUntil(p.state));
        SupervisorState sup = p.state.supervisor();
        if (sup != null && sup.durable().reclaimBoot().equals(h.bootId)) lease = Math.max(lease, sup.durable().reclaimUntil());
        if (lease == Long.MIN_VALUE) return Long.MAX_VALUE;
        return h.clock.realUsAt(lease - margin(h), 0);
    }

    /** A restarted recorded primary keeps its still-writable PostgreSQL for the window fixed on disk. */
    private static boolean reclaiming(SimHost h, NodeState s, long local) {
        SupervisorState sup = s.supervisor();
        if (sup == null || sup.boot().ledSinceBoot()) return false;
        var d = sup.durable();
        return h.name.equals(s.election().durable().record().primary()) && d.reclaimBoot().equals(h.bootId)
                && local < d.reclaimUntil();
    }

    /**
     * Its vigild holds a lease counted from a heartbeat sent before the host's clock stood still: the lease outlasted
     * real time (counted, not a protocol fault: no lease survives a clock that stops).
     */
    private boolean staleLease(SimHost h) {
        var l = h.proc.state.election().leadership();
        boolean stale = l != null && l.leaseEstablished() && l.leaseStart() <= h.lastWakeLocal;
        if (stale) sim.counts.add("stale_lease_checks");
        return stale;
    }

    /** Within a lease of the host's wake from a suspend: it may still act on a lease its stopped clock stretched. */
    private boolean inSuspendTail(SimHost h) {
        return sim.nowUs < h.gapUntilUs;
    }

    /**
     * In the suspend tail, while another node was elected in a newer term than this host knew when it froze: the gap
     * a lease cannot close (DESIGN.md), a double writer only in real time the host did not see pass.
     */
    private boolean inGap(SimHost h) {
        if (!inSuspendTail(h)) return false;
        long newestOther = 0;
        long newestOwn = 0;
        for (Map.Entry<Long, String> l : leaderOfTerm.entrySet()) {
            if (l.getValue().equals(h.name)) newestOwn = Math.max(newestOwn, l.getKey());
            else newestOther = Math.max(newestOther, l.getKey());
        }
        // Someone else was elected since it froze, and it has not been elected again after that.
        return newestOther > h.gapTerm && newestOther > newestOwn;
    }

    /**
     * {@code h} is in the gap ({@link #inGap}) and its vigild still knows no term as new as the newest leader's
     * elsewhere: what it does now rests on a lease its stopped clock stretched.
     */
    boolean actsInGap(SimHost h, SimHost.Proc p) {
        if (p == null || !inGap(h)) return false;
        long newestOther = 0;
        for (Map.Entry<Long, String> l : leaderOfTerm.entrySet()) {
            if (!l.getValue().equals(h.name)) newestOther = Math.max(newestOther, l.getKey());
        }
        return p.state.election().term() < newestOther;
    }

    // ---- PostgreSQL events ------------------------------------------------------------------------------------

    void wrote(SimHost h) {
        sim.counts.add(inGap(h) ? "gap_writes" : "writes");
    }

    /**
     * A commit of {@code h} acknowledged to its client. In synchronous mode none is acknowledged in the gap by a
     * follower's standby: followers detach from a primary that no longer leads. Excused ({@code excusedAckers}: every
     * standby that acknowledged it is one of these): the leader's own standby, which carries the commit into its
     * promotion (it waits for the proof that the old primary cannot write, and keeps acknowledging meanwhile), and a
     * standby in maintenance mode, where nothing automatic happens, detaching included. Any promotion must still hold
     * every acknowledged commit ({@link #beforePromote}).
     */
    void acknowledged(SimHost h, long timeline, long lsn, boolean excusedAckers) {
        if (excusedAckers && sim.spec.synchronous() && inGap(h) && lsn > acked.getOrDefault(timeline, 0L)) {
            sim.counts.add("gap_acks_excused");
        } else if (sim.spec.synchronous() && inGap(h) && lsn > acked.getOrDefault(timeline, 0L)) {
            sim.fail(h.name + " (resumed from a suspend) got a commit acknowledged in synchronous mode at ("
                    + timeline + ", " + lsn + ")");
        }
        acked.merge(timeline, lsn, Math::max);
        lastAckTl = timeline;
        lastAckLsn = lsn;
    }

    /** Synchronous mode: the server about to write must hold every acknowledged commit. */
    void beforePromote(SimHost h) {
        requireAllAcked(h, "promoted");
        mostAdvanced(h);
    }

    void beforePrimaryStart(SimHost h) {
        requireAllAcked(h, "started as primary");
    }

    private void requireAllAcked(SimHost h, String what) {
        // Asynchronous mode may lose commits in a failover, never in a switchover: on a calm network every promotion
        // is one, and the old primary's clean shutdown sent its standbys everything.
        if (!sim.spec.synchronous() && sim.spec.scenario() != SimSpec.Scenario.SWITCHOVERS) return;
        SimPostgres pg = h.pg;
        for (Map.Entry<Long, Long> a : acked.entrySet()) {
            if (sim.histories.onHistoryOf(a.getKey(), a.getValue(), pg.timeline, pg.lsn)) continue;
            if (!heldElsewhere(h, a.getKey(), a.getValue())) {
                sim.counts.add("acknowledged_commits_destroyed_by_faults"); // every copy was emptied or replaced
                continue;
            }
            sim.fail(h.name + " " + what + " at (" + pg.timeline + ", " + pg.lsn + ") without the acknowledged commit ("
                    + a.getKey() + ", " + a.getValue() + "): a commit is lost");
        }
    }

    /** Some other node's data directory (of the same system) still holds the commit (tl, lsn). */
    private boolean heldElsewhere(SimHost h, long tl, long lsn) {
        for (SimHost o : sim.dataHosts()) {
            if (o == h || o.pg.empty || o.pg.systemId != h.pg.systemId) continue;
            if (sim.histories.onHistoryOf(tl, lsn, o.pg.timeline, o.pg.lsn)) return true;
        }
        return false;
    }

    /**
     * The promoted standby is the most advanced one the cluster could know of: no eligible standby that has run
     * unpaused, connected both ways to the promoter over a calm network for the last second, is strictly ahead.
     */
    private void mostAdvanced(SimHost promoted) {
        if (!sim.net.calm() || sim.nowUs - sim.net.lastChangeUs < 1_000_000) return;
        // Standbys' positions reach the voters relayed by the last leader, and count for two leases (Standing#deserves):
        // a node elected after a longer leaderless spell picks the most advanced of the majority that elected it
        // (which, in synchronous mode, holds every acknowledged commit), not necessarily of all.
        long lastOther = leaseSeenUs.entrySet().stream().filter(e -> !e.getKey().equals(promoted.name))
                .mapToLong(Map.Entry::getValue).max().orElse(Long.MIN_VALUE);
        if (sim.nowUs - lastOther > (2 * sim.spec.timing().leaseMs() + 1_000) * 1_000) {
            sim.counts.add("promotions_after_positions_expired");
            return;
        }
        for (SimHost m : sim.dataHosts()) {
            if (m == promoted || m.proc == null || !m.vigildRunning(sim.nowUs) || sim.nowUs - m.steadySinceUs < 1_000_000) {
                continue;
            }
            SimPostgres pg = m.pg;
            if (pg.server != SimPostgres.Server.STANDBY || !m.proc.state.election().own().eligible()) continue;
            // ...and the promoter knew it as an eligible candidate (eligibility can change with the very record the
            // promotion writes, e.g. the synchronous set).
            var known = promoted.proc == null ? null : promoted.proc.state.election().known().get(m.name);
            if (known == null || !known.eligible()) continue;
            SimPostgres p = promoted.pg;
            if (pg.timeline == p.timeline && pg.lsn > p.lsn) {
                sim.fail(promoted.name + " promoted at (" + p.timeline + ", " + p.lsn + ") although " + m.name
                        + " was ahead at (" + pg.timeline + ", " + pg.lsn + ")");
            }
        }
    }

    /** The newest record any node holds on disk. */
    ClusterRecord newestRecord() {
        ClusterRecord newest = ClusterRecord.NONE;
        for (SimHost h : sim.hosts.values()) {
            if (h.electionDisk.record().newerThan(newest)) newest = h.electionDisk.record();
        }
        return newest;
    }

    void beforeInitdb(SimHost h) {
        ClusterRecord r = newestRecord();
        if (r.pg().systemId() != 0) {
            sim.fail(h.name + " runs initdb although the record names system " + r.pg().systemId() + " (primary "
                    + r.primary() + "): the cluster's data would be replaced by an empty one");
        }
    }

    /** A rewind or copy must not remove the last copy of the newest acknowledged commit of the recorded history. */
    void beforeDataChange(SimHost h, String what, long newTl, long newLsn) {
        if (lastAckLsn == 0) return;
        ClusterRecord r = newestRecord();
        if (r.timeline() == 0 || !sim.histories.onHistoryOf(lastAckTl, lastAckLsn, r.timeline(), Long.MAX_VALUE)) return;
        SimPostgres pg = h.pg;
        boolean heldHere = !pg.empty && sim.histories.onHistoryOf(lastAckTl, lastAckLsn, pg.timeline, pg.lsn);
        if (!heldHere || sim.histories.onHistoryOf(lastAckTl, lastAckLsn, newTl, newLsn)) return;
        for (SimHost o : sim.dataHosts()) {
            if (o != h && !o.pg.empty && sim.histories.onHistoryOf(lastAckTl, lastAckLsn, o.pg.timeline, o.pg.lsn)) return;
        }
        sim.fail(what + " on " + h.name + " removes the last copy of the acknowledged commit (" + lastAckTl + ", "
                + lastAckLsn + ") of the recorded timeline " + r.timeline());
    }

    /**
     * A standby must not start with data of a branch the cluster had already abandoned when it was started (it would
     * serve reads of commits the cluster lost). A branch abandoned while it was starting (a failover that forked
     * behind it in the meantime) is found by its supervisor afterwards, and only counted here. So is a start begun by
     * a host in the gap a lease cannot close ({@link #actsInGap}: frozen whole, resumed, a newer leader elected
     * meanwhile that its vigild has not heard of): it starts the standby under the leader its stopped clock still
     * believes in, as its primary would write under that lease (seed 3478 of the synchronous schedules).
     */
    void standbyStarted(SimHost h, boolean offHistoryAtStart, boolean inGapAtStart) {
        if (!offHistory(h)) return;
        if (!offHistoryAtStart) {
            sim.counts.add("standby_diverged_by_a_concurrent_failover");
            return;
        }
        if (inGapAtStart) {
            sim.counts.add("standby_started_in_gap");
            return;
        }
        SimPostgres pg = h.pg;
        sim.fail(h.name + " started as a hot standby at (" + pg.timeline + ", " + pg.lsn + "), off the history of the"
                + " primary's timeline: it serves reads of commits the cluster lost");
    }

    /** The data of {@code h} is on a branch that the recorded primary's timeline does not contain. */
    boolean offHistory(SimHost h) {
        String primary = newestRecord().primary();
        if (primary == null || primary.equals(h.name)) return false;
        SimPostgres p = sim.hosts.get(primary).pg;
        SimPostgres pg = h.pg;
        if (p.empty || pg.empty || p.systemId != pg.systemId) return false;
        return pg.timeline != p.timeline && !sim.histories.onHistoryOf(pg.timeline, pg.lsn, p.timeline, Long.MAX_VALUE);
    }

    // ---- summaries --------------------------------------------------------------------------------------------

    String leaseHolder() {
        for (SimHost h : sim.hosts.values()) {
            if (h.up && h.proc != null && h.proc.state.election().holdsLease(h.localMs(sim.nowUs))) return h.name;
        }
        return null;
    }

    /** A leader with a lease whose own PostgreSQL takes writes. */
    boolean serving() {
        for (SimHost h : sim.dataHosts()) {
            if (h.accepting() && h.proc != null && h.proc.state.election().holdsLease(h.localMs(sim.nowUs))) return true;
        }
        return false;
    }

    long maxTerm() {
        return sim.hosts.values().stream().mapToLong(h -> h.electionDisk.term()).max().orElse(0);
    }

    int leaderships() {
        return leaderOfTerm.size();
    }
}
