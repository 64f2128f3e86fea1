package vigil.core.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import vigil.core.election.Timing;
import vigil.core.election.Voter;

/**
 * One seeded schedule: which electorate, which configuration (PostgreSQL, synchronous, watchdog,
 * failover_without_fencing), how long faults are injected, how long the cluster then has to recover, and which
 * mutation (a deliberately broken part, to show the checker catches it) is in force. The electorate cycles with the
 * seed through 3 and 5 voters, with and without a witness; watchdog and failover_without_fencing are drawn from the
 * seed among the configurations vigil calls safe (failover_without_fencing only with a watchdog).
 */
record SimSpec(long seed, List<Voter> voters, Timing timing, long faultPhaseUs, long quietPhaseUs, double actualDrift,
               boolean postgres, boolean synchronous, boolean watchdog, boolean failoverWithoutFencing,
               Mutation mutation, boolean standbyTrouble, Scenario scenario) {
    static final Timing TIMING = Timing.of(150, 1500, 0.01);

    /**
     * A part deliberately broken: each must make the simulator report a violation. ({@code standbyTrouble} narrows the
     * faults to those that leave an acknowledging standby without a known position, for the synchronous-vote check.)
     */
    /** Which faults: drawn at random, or one scenario's alone. */
    enum Scenario {
        RANDOM,
        /** {@link #withLeaderCrashes} */
        LEADER_CRASHES,
        /** {@link #withVigildRestarts} */
        VIGILD_RESTARTS,
        /** {@link #withSwitchovers}, on a calm network */
        SWITCHOVERS,
        /** {@link #withSwitchovers}, amid random faults */
        SWITCHOVERS_AMID_FAULTS,
        /** {@link #withPlannedVigildRestarts} */
        PLANNED_VIGILD_RESTARTS,
        /** {@link #withFlappingLeader} */
        FLAPPING_LEADER
    }

    boolean switchovers() {
        return scenario == Scenario.SWITCHOVERS || scenario == Scenario.SWITCHOVERS_AMID_FAULTS;
    }

    boolean leaderCrashes() {
        return scenario == Scenario.LEADER_CRASHES;
    }

    enum Mutation {
        NONE,
        /**
         * The driver starts PostgreSQL whatever fence came after the start was asked: a start cancelled before it
         * began runs anyway, and one asked before a lease guard's kill spawns after it (as if the daemon's
         * StartBarrier, and its executor's cancel of a task not yet begun, were removed).
         */
        START_AFTER_FENCE,
        /** The fence reports success and kills nothing (as if the self-fence were removed). */
        FENCE_DOES_NOTHING,
        /** The fence never ends and kills nothing (a stop that hangs), with no watchdog to catch it. */
        FENCE_HANGS,
        /** No watchdog model, and failover_without_fencing: true (the risk the setting names). */
        BLIND_FAILOVER,
        /** The release of the VIPs does nothing, in the loop and in the lease guard (as if it were removed). */
        VIP_KEPT,
        /** The release of the VIPs placed by checks does nothing, in the loop and in their release guard. */
        TRACKED_KEPT,
        /** Every loop sleeps 40 ms past the wake {@link vigil.core.node.Wake} asks for (a timer acted on late). */
        WAKE_LATE,
        /** Synchronous mode, but voters compare candidates with their own position only when eligible (the old rule). */
        WEAK_SYNC_VOTE,
        /** The freezer answers "frozen" and freezes nothing (as if the freeze on doubt were removed). */
        FREEZE_IGNORED,
        /**
         * {@code restart-daemon} without the withdrawal: the leader's vigild closes its watchdog and ends at once, its
         * peers still holding its watchdog announcement (as if {@link vigil.core.node.DaemonRestart} were removed).
         */
        RESTART_WITHOUT_WITHDRAWAL,
        /**
         * Synchronous mode, and every failover order is given with {@code --accept-data-loss} (so neither the command
         * nor the voters refuse a target behind the acknowledged commits): the loss that acceptance allows must be seen
         * by the checker. That the waiver depends on {@code acceptDataLoss} in the command, Fitness and the voters is
         * the unit tests' part (OrderedFailoverTest, FailoverOrderTest).
         */
        ORDER_ALWAYS_ACCEPTS_LOSS,
        /**
         * Synchronous mode, and the driver takes a stopped cluster's control file (its last checkpoint, a lower bound)
         * for where its WAL ends: the position reads as known, too low (as if LocalView reported the control file's
         * position as known instead of reading the end of the WAL).
         */
        CONTROL_FILE_TRUSTED,
        /**
         * The driver's check of a standby's upstream reads anything but WAL arriving (a refused connection, a timeout)
         * as "the WAL is removed" (as if {@code OldPrimaryProbe.walRemoved} concluded from silence): standbys that could
         * stream again are copied anew.
         */
        SILENCE_IS_REMOVAL,
        /**
         * The driver's check of a standby's upstream never reads "removed" (as if {@code UpstreamWal} were removed, or
         * the rule that copies such a standby anew): a standby rewound to a point whose WAL its upstream no longer
         * holds waits for it for ever.
         */
        REMOVAL_UNSEEN,
        /**
         * A restarted vigild keeps the VIPs it finds on its host without telling the node step (as if the step's
         * rule for found VIPs, or the daemon's report of them, were removed): nothing releases them when this node
         * does not reclaim its primary.
         */
        FOUND_UNTOLD
    }

    static SimSpec forSeed(long seed) {
        int shape = (int) Math.floorMod(seed, 4L);
        List<Voter> voters = switch (shape) {
            case 0 -> electorate(3, 0);
            case 1 -> electorate(2, 1);
            case 2 -> electorate(5, 0);
            default -> electorate(4, 1);
        };
        return new SimSpec(seed, voters, TIMING, 20_000_000L, 12_000_000L, TIMING.drift(), false, false, false, false,
                Mutation.NONE, false, Scenario.RANDOM);
    }

    /** The same schedule with clocks that break the stated drift bound: the checker must catch the damage. */
    SimSpec withActualDrift(double drift) {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, drift, postgres, synchronous, watchdog,
                failoverWithoutFencing, mutation, standbyTrouble, scenario);
    }

    /**
     * With a simulated PostgreSQL on every data node. Watchdog on in two schedules of three; failover_without_fencing
     * in half of those (never without a watchdog: that combination is {@link Mutation#BLIND_FAILOVER}).
     */
    SimSpec withPostgres() {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 7);
        boolean wd = r.nextInt(3) > 0;
        boolean fwf = wd && r.nextBoolean();
        return new SimSpec(seed, voters, timing, faultPhaseUs, 30_000_000L, actualDrift, true, false, wd, fwf,
                Mutation.NONE, standbyTrouble, scenario);
    }

    /** PostgreSQL in synchronous mode: additionally, no acknowledged commit may ever be missing from a new primary. */
    SimSpec withSynchronousPostgres() {
        SimSpec p = withPostgres();
        return new SimSpec(seed, voters, timing, faultPhaseUs, p.quietPhaseUs, actualDrift, true, true, p.watchdog,
                p.failoverWithoutFencing, Mutation.NONE, standbyTrouble, scenario);
    }

    SimSpec withMutation(Mutation m) {
        boolean wd = m == Mutation.FENCE_HANGS || m == Mutation.BLIND_FAILOVER ? false : watchdog;
        boolean fwf = m == Mutation.BLIND_FAILOVER || failoverWithoutFencing && wd;
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, wd,
                fwf, m, standbyTrouble || m == Mutation.WEAK_SYNC_VOTE, scenario);
    }

    /** The same schedule and faults with nothing broken (and failover_without_fencing only with a watchdog). */
    SimSpec withoutMutation() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, watchdog,
                failoverWithoutFencing && watchdog, Mutation.NONE, standbyTrouble, scenario);
    }

    /**
     * The benchmark's node-crash, and nothing else: every 7 s the leader's host crashes (in every other one its vigild
     * is killed first, then the host), comes back after 3 to 5 s, while clients write. The network is calm, so every
     * election must take one round ({@link ElectionRounds}).
     */
    SimSpec withLeaderCrashes() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, watchdog,
                failoverWithoutFencing, mutation, standbyTrouble, Scenario.LEADER_CRASHES);
    }

    /**
     * The leader's vigild is killed (its PostgreSQL, the primary, keeps serving) and started again 0.5 to 4 s later,
     * every 9 s, and nothing else goes wrong: a survivor leads meanwhile, finds the primary serving and hands
     * leadership back, and the restarted vigild must take it within its reclaim window. Without a watchdog or
     * failover_without_fencing (a watchdog would rightly reset a host whose vigild stopped), so a promotion can only
     * follow the primary fencing itself at the end of that window: a failover nobody needed.
     */
    SimSpec withVigildRestarts() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, false,
                false, mutation, standbyTrouble, Scenario.VIGILD_RESTARTS);
    }

    /**
     * {@code vigilctl restart-daemon} on the leader every 9 s, with an armed watchdog and no failover_without_fencing:
     * its vigild withdraws the watchdog announcement, closes the watchdog and ends, its PostgreSQL (the primary) keeps
     * serving, and systemd starts it again 0.5 to 4 s later. In one restart of three the PostgreSQL port of the leader is
     * cut from every other node for 3 s just before, so a next leader cannot see the primary still serving: it must then
     * not promote on the withdrawn watchdog proof.
     */
    SimSpec withPlannedVigildRestarts() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, true,
                false, mutation, standbyTrouble, Scenario.PLANNED_VIGILD_RESTARTS);
    }

    /**
     * The benchmark's flapping link, and nothing else: the lease holder's links (both channels) go down for 0.9 to
     * 1.6 s and up again for 0.6 to 1.2 s, over and over. Now and then the lease guard (its own thread) fires and a
     * renewal comes before the loop's own self-fence, as in bin/bench flapping: the guard's removal of the VIPs must
     * then reach the step ({@link Simulation#checkVipBelief}).
     */
    SimSpec withFlappingLeader() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, watchdog,
                failoverWithoutFencing, mutation, standbyTrouble, Scenario.FLAPPING_LEADER);
    }

    /**
     * An operator asks the leader for a switchover every 2.5 to 5 s (to a random data node, or to the best standby),
     * while clients write. {@code amidFaults}: random faults go on meanwhile (every check stays as ever); otherwise
     * nothing else goes wrong, and then not even an asynchronous commit may be lost ({@link Invariants}).
     */
    SimSpec withSwitchovers(boolean amidFaults) {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, actualDrift, postgres, synchronous, watchdog,
                failoverWithoutFencing, mutation, standbyTrouble,
                amidFaults ? Scenario.SWITCHOVERS_AMID_FAULTS : Scenario.SWITCHOVERS);
    }

    /**
     * With PostgreSQL, after healing a leader must also serve writes: on top of the election, probe the old primary,
     * promote or restart, possibly a rewind or clone, and a clean stop that may hang until its deadline.
     */
    long servingBoundUs() {
        return livenessBoundUs() + 12_000_000L;
    }

    static List<Voter> electorate(int data, int witnesses) {
        List<Voter> voters = new ArrayList<>();
        for (int i = 1; i <= data; i++) voters.add(new Voter("n" + i, true, 100 - i));
        for (int i = 1; i <= witnesses; i++) voters.add(Voter.witness("w" + i));
        return voters;
    }

    /**
     * After every fault heals, a leader must hold a lease within this bound: every node may first have to wait out
     * its no-vote window (one lease from its last heartbeat, or from boot), then candidates stand one stagger apart,
     * and one split attempt may need a backoff and a second round.
     */
    long livenessBoundUs() {
        long lease = timing.leaseMs();
        long perRound = timing.electionTimeoutMs() + timing.staggerMs() * (voters.size() + 2);
        return (2 * lease + 2 * perRound) * 1000L;
    }

    /**
     * Fence agents can turn every data node's host off: in half of the schedules with PostgreSQL (chosen by seed,
     * independently of the shape and the watchdog).
     */
    boolean fenceAgents() {
        return postgres && Math.floorMod(seed / 4, 2L) == 0;
    }

    /**
     * How much WAL a server keeps behind its position (wal_keep_size, max_slot_wal_keep_size): in a third of the
     * schedules with PostgreSQL 0.4 to 6 s of writes, so a standby cut off or stopped for longer finds its WAL gone
     * (and a rewound one may never become consistent); otherwise unbounded.
     */
    long walKeepBytes() {
        if (!postgres || Math.floorMod(seed / 8, 3L) != 0) return Long.MAX_VALUE / 4;
        return 2_000 + Math.floorMod(seed * 7919, 28_000L);
    }

    String describe() {
        long data = voters.stream().filter(Voter::canLead).count();
        return data + " data + " + (voters.size() - data) + " witness"
                + (postgres ? ", postgres" + (synchronous ? " synchronous" : "") + (watchdog ? ", watchdog" : ", no watchdog")
                        + (failoverWithoutFencing ? ", failover_without_fencing" : "")
                        + (fenceAgents() ? ", fence agents" : "")
                        + (walKeepBytes() < Long.MAX_VALUE / 4 ? ", WAL kept " + walKeepBytes() + " bytes" : "") : "")
                + (mutation == Mutation.NONE ? "" : ", mutation " + mutation);
    }
}
