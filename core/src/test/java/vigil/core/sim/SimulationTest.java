package vigil.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.function.LongFunction;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Seeded fault schedules over the daemon's own node step. Every CI run checks {@value #ELECTION_SCHEDULES} election
 * schedules and {@value #PG_SCHEDULES} asynchronous plus {@value #PG_SCHEDULES} synchronous PostgreSQL schedules
 * (override with -Dvigil.sim.schedules=N / -Dvigil.sim.pgSchedules=N, shift the seeds with -Dvigil.sim.firstSeed=S);
 * a failure prints its seed and the command that replays it alone. The mutation checks show that each safety check
 * fails when the part it guards is broken.
 */
class SimulationTest {
    static final int ELECTION_SCHEDULES = 2000;
    static final int PG_SCHEDULES = 600;

    private static SimCounts runAll(int schedules, LongFunction<SimSpec> spec, String label) {
        return runAll(Long.getLong("vigil.sim.firstSeed", 1L), schedules, spec, label);
    }

    private static SimCounts runAll(long first, int schedules, LongFunction<SimSpec> spec, String label) {
        long t0 = System.nanoTime();
        List<SimResult> results = LongStream.range(first, first + schedules).parallel()
                .mapToObj(seed -> new Simulation(spec.apply(seed)).run()).toList();
        assertEquals(schedules, results.size());
        double seconds = (System.nanoTime() - t0) / 1e9;
        SimCounts total = results.stream().map(SimResult::counts).reduce(new SimCounts(), SimCounts::plus);
        LongSummaryStatistics recovery = results.stream().mapToLong(SimResult::recoveryMs).filter(r -> r >= 0).summaryStatistics();
        System.out.printf("simulation %s: %d schedules in %.1f s (%.0f per minute), recovery after heal ms avg=%.0f max=%d%n  %s%n",
                label, schedules, seconds, schedules * 60 / seconds, recovery.getAverage(), recovery.getMax(), total);
        return total;
    }

    @Test
    void seededFaultSchedulesKeepThePromise() {
        int schedules = Integer.getInteger("vigil.sim.schedules", ELECTION_SCHEDULES);
        SimCounts c = runAll(schedules, SimSpec::forSeed, "election");
        // The faults must actually have forced changes of leadership, or the run proved nothing.
        assertTrue(c.get("leaderships") > 2L * schedules, "too few leaderships: the faults are too gentle: " + c);
    }

    /**
     * Simulated PostgreSQL on every data node, asynchronous replication: one writer at every instant, writes only under
     * a lease, nothing destroyed automatically, and after healing a leader serves writes again. The floors make a
     * simulator that silently stopped injecting faults, failing over or fencing fail.
     */
    @Test
    void seededFaultSchedulesWithPostgresKeepOneWriter() {
        int schedules = Integer.getInteger("vigil.sim.pgSchedules", PG_SCHEDULES);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres(), "postgres");
        requireFloors(c, schedules);
    }

    /** Synchronous mode: on top of that, no commit acknowledged to a client is ever missing from a new primary. */
    @Test
    void seededFaultSchedulesInSynchronousModeLoseNoAcknowledgedCommit() {
        int schedules = Integer.getInteger("vigil.sim.pgSchedules", PG_SCHEDULES);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withSynchronousPostgres(), "synchronous");
        requireFloors(c, schedules);
    }

    /**
     * The benchmark's node-crash: the leader's host crashes (or its vigild dies first) while clients write, and nothing
     * else goes wrong. Every election must take one round: no split vote between the survivors ({@link ElectionRounds}).
     */
    /**
     * Restarting the primary's vigild never fails over: every 9 s the leader's vigild dies and comes back 0.5 to 4 s
     * later while its PostgreSQL keeps serving; a survivor leads meanwhile and hands leadership back, and no standby
     * may ever be promoted ({@link SimSpec#withVigildRestarts}).
     */
    @Test
    void aRestartedVigildOnThePrimaryTakesItBackWithoutAFailover() {
        int schedules = Integer.getInteger("vigil.sim.restartSchedules", 300);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres().withVigildRestarts(), "vigild restarts");
        assertTrue(c.get("vigild_restarts") >= 2L * schedules, "too few restarts: " + c);
        assertTrue(c.get("why_RECLAIMING") >= schedules, "the restarted vigild never reclaimed: " + c);
        assertEquals(0L, c.get("promoted"), "a standby was promoted though the primary kept serving: " + c);
    }

    /**
     * {@code vigilctl restart-daemon} on the leader every 9 s with an armed watchdog: PostgreSQL keeps serving and the
     * restarted vigild takes leadership back; a standby is promoted only when the primary's PostgreSQL port was cut
     * from the others meanwhile (and then only once the primary proved it stopped), never on the watchdog proof the
     * restart withdrew ({@link SimSpec#withPlannedVigildRestarts}).
     */
    @Test
    void aPlannedVigildRestartKeepsPostgresServingAndNeverLeavesAFalseWatchdogProof() {
        int schedules = Integer.getInteger("vigil.sim.restartSchedules", 300);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres().withPlannedVigildRestarts(),
                "planned vigild restarts");
        // two restarts asked per schedule; refused now and then (the watchdog arming, an action under way)
        assertTrue(c.get("daemon_restart_halted") >= schedules, "too few restarts carried out: " + c);
        assertTrue(c.get("why_RECLAIMING") >= schedules, "the restarted vigild never reclaimed: " + c);
        // A data node cut off does not hold the restart up: the record, committed by a majority, carries the withdrawal.
        assertTrue(c.get("daemon_restart_asked_while_cut") >= c.get("daemon_restart_acks_cut") / 2,
                "restarts were refused while a data node was cut off: " + c);
    }

    /**
     * The benchmark's flapping link on the leader ({@link SimSpec#withFlappingLeader}): every check holds, among them
     * that the step's VIPs are the host's once it has been told of everything done to them (the lease guard removes
     * them behind its back), and that after the faults the serving leader holds the VIP.
     */
    @Test
    void aFlappingLinkLeavesTheVipWithTheServingLeader() {
        int schedules = Integer.getInteger("vigil.sim.flapSchedules", 600);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres().withFlappingLeader(), "flapping leader");
        assertTrue(c.get("flaps") >= 5L * schedules, "too few flaps: " + c);
        // The race this scenario exists for: the guard fired, and the step still counted the VIPs as up when told.
        assertTrue(c.get("guard_report_LEADER_UP") >= 1, "the lease guard never raced a renewal: " + c);
    }

    /**
     * A stopped standby's position taken from its control file (a lower bound) as if it were where its WAL ends must be
     * caught: the simulator's probe goes through the driver's stages (LocalView), never knowing more, nor sooner.
     */
    @Test
    void aStoppedClustersControlFileTakenForItsWalEndIsCaught() {
        caught(SimSpec.Mutation.CONTROL_FILE_TRUSTED, true, "a commit is lost");
    }

    /**
     * A driver that took silence (a refused connection, a timeout) for the upstream's answer that the WAL is removed
     * must be caught: standbys that could stream again would be copied anew.
     */
    @Test
    void silenceTakenForRemovedWalIsCaught() {
        caught(SimSpec.Mutation.SILENCE_IS_REMOVAL, false, "although it could stream from there");
    }

    /**
     * A driver that never sees the upstream answer that the WAL is removed (or a supervisor without the rule that then
     * copies the standby anew) must be caught: a standby rewound to a point whose WAL is gone never becomes consistent.
     */
    @Test
    void aStandbyWaitingForRemovedWalForEverIsCaught() {
        caught(SimSpec.Mutation.REMOVAL_UNSEEN, false, "has not become consistent");
    }

    /**
     * VIPs a restarted vigild finds on its host and keeps without its node step knowing must be caught: the step counts
     * them as down, so nothing releases them; when that node does not reclaim its primary, the new primary cannot
     * claim them ({@link Simulation#checkVipBelief} sees it at the first decision, before the schedule's end would).
     */
    @Test
    void vipsFoundAtStartAndKeptUntoldAreCaught() {
        caught(SimSpec.Mutation.FOUND_UNTOLD, false, "nothing will ever release it");
    }

    /** A restart that closes the watchdog without first withdrawing its announcement must be caught. */
    @Test
    void aRestartThatLeavesTheWatchdogProofStandingIsCaught() {
        caught(SimSpec.Mutation.RESTART_WITHOUT_WITHDRAWAL, seed -> SimSpec.forSeed(seed).withPostgres()
                .withPlannedVigildRestarts(), "two PostgreSQL accept writes");
    }

    /**
     * A switchover every 2.5 to 5 s on a calm network, asynchronous replication: each one that begins hands over and
     * promotes its target, and not one acknowledged commit is lost, although the mode would allow it in a failover
     * ({@link Invariants}); every election takes one round.
     */
    @Test
    void aSwitchoverHandsOverWithoutLosingACommit() {
        int schedules = Integer.getInteger("vigil.sim.switchoverSchedules", 150);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres().withSwitchovers(false), "switchovers");
        assertTrue(c.get("switchover_begun") >= 2L * schedules, "too few switchovers: " + c);
        // On a calm network only a shutdown that hangs past its bound (modelled: now and then, and whenever a walsender
        // waits for a cut-off standby) may end one, a target whose replication was cut a moment before (one request in
        // four names such a target: it lacks the last commits), or now and then a target whose last report was older
        // than the stop.
        assertTrue(c.get("why_SWITCHOVER_ABORTED") - c.get("switchover_aborted_by_a_failed_stop")
                - c.get("switchover_target_cut") <= schedules / 20,
                "switchovers on a calm network aborted: " + c);
        assertTrue(c.get("promoted") >= c.get("switchover_begun") - c.get("why_SWITCHOVER_ABORTED"),
                "switchovers neither aborted nor ending in a promotion: " + c);
    }

    /** Switchovers amid every random fault: one writer at every instant, nothing destroyed (the usual checks). */
    @Test
    void switchoversAmidFaultsKeepOneWriter() {
        int schedules = Integer.getInteger("vigil.sim.switchoverSchedules", 150);
        LongFunction<SimSpec> amid = seed -> (seed % 2 == 0 ? SimSpec.forSeed(seed).withSynchronousPostgres()
                : SimSpec.forSeed(seed).withPostgres()).withSwitchovers(true);
        long first = Long.getLong("vigil.sim.firstSeed", 1L);
        SimCounts c = runAll(first, schedules, amid, "switchovers amid faults");
        // A floor, not a rate: 46-53 of 150 began across seed ranges and versions of the loop (most are refused or
        // find no leader amid the faults); a quarter still fails a switchover that never begins.
        assertTrue(c.get("switchover_begun") >= schedules / 4, "too few switchovers began: " + c);
        assertTrue(c.get("why_SWITCHOVER_ABORTED") >= 1, "no switchover was ever aborted by a fault: " + c);
        assertTrue(c.get("paused") >= schedules && c.get("why_PAUSED") >= schedules / 2, "too little maintenance: " + c);
        assertTrue(c.get("restart_pg_begun") >= schedules / 2 && c.get("why_RESTART_REQUESTED") >= schedules / 2,
                "too few standby restarts: " + c);
        assertTrue(c.get("failover_order_taken") + c.get("failover_order_taken_accepting_loss") >= schedules / 10,
                "too few failover orders taken: " + c);
        // A promotion by an operator's order is rare amid faults (0-4 of each kind in 150 schedules, by random
        // stream): more schedules, up to three times as many, until each kind was carried out once.
        SimCounts orders = c;
        for (long next = first + schedules; next < first + 3L * schedules
                && (orders.get("promoting_ordered") < 1 || orders.get("promoting_ordered_accepting_loss") < 1); next += schedules) {
            orders = orders.plus(runAll(next, schedules, amid, "switchovers amid faults, for failover orders"));
        }
        assertTrue(orders.get("promoting_ordered") >= 1 && orders.get("promoting_ordered_accepting_loss") >= 1,
                "no failover order was carried out (with and without accepting data loss): " + orders);
    }

    /**
     * The leader's host crashes (PostgreSQL with it) on an otherwise healthy network: the survivors elect its successor
     * in one round every time, never splitting the vote (issue 8). In this spec {@link ElectionRounds} fails a schedule
     * at the first election that needs a second round; elsewhere, amid faults, rounds are only counted.
     */
    @Test
    void aCrashedLeaderIsReplacedInOneElectionRound() {
        int schedules = Integer.getInteger("vigil.sim.crashSchedules", 300);
        SimCounts c = runAll(schedules, seed -> SimSpec.forSeed(seed).withPostgres().withLeaderCrashes(), "leader crashes");
        // Each election of more than one round fails its schedule (ElectionRounds); here, that they were watched.
        assertTrue(c.get("election_rounds_1") >= 2L * schedules, "too few elections after a crash: " + c);
        // Standbys check the silent primary before the election (EarlyCheck) wherever it announced a watchdog.
        assertTrue(c.get("early_checks") >= schedules / 4, "no standby checked the silent primary early: " + c);
    }

    private static void requireFloors(SimCounts c, int schedules) {
        assertTrue(c.get("faults") >= 15L * schedules, "too few faults injected: " + c);
        assertTrue(c.get("promoted") >= schedules / 12, "too few promotions: " + c);
        assertTrue(c.get("why_SELF_FENCE") >= schedules / 4, "too few self-fences: " + c);
        assertTrue(c.get("fence") >= schedules / 2, "too few fences carried out: " + c);
        assertTrue(c.get("copied_anew_for_removed_wal") >= schedules / 100,
                "too few standbys copied anew after their WAL was removed: " + c);
        assertTrue(c.get("watchdog_reset") >= 1, "the watchdog never reset a host: " + c);
        assertTrue(c.get("why_FENCING_REQUIRED") >= 1, "no failover ever waited for a proof: " + c);
        assertTrue(c.get("rewound") + c.get("cloned") >= schedules / 4, "too few rejoins: " + c);
        assertTrue(c.get("stop_hangs") >= 1 && c.get("fence_slow_drain") >= 1, "no hanging stop or slow fence: " + c);
        assertTrue(c.get("frozen") >= schedules && c.get("thawed") >= schedules / 2, "too few freezes on doubt: " + c);
        assertTrue(c.get("freeze_not_written") >= 1, "no freeze or thaw ever failed: " + c);
        assertTrue(c.get("acks_waited") >= 100L * schedules, "steady leaders never let acknowledgements wait: " + c);
    }

    // ---- mutation checks: each broken part must be caught ---------------------------------------------------------

    @Test
    void aFenceThatDoesNothingIsCaught() {
        caught(SimSpec.Mutation.FENCE_DOES_NOTHING, false, "accept");
    }

    @Test
    void aFenceThatHangsWithoutAWatchdogIsCaught() {
        caught(SimSpec.Mutation.FENCE_HANGS, false, "accept");
    }

    @Test
    void failoverWithoutFencingAndNoWatchdogIsCaught() {
        caught(SimSpec.Mutation.BLIND_FAILOVER, false, "two PostgreSQL accept writes");
    }

    @Test
    void aVipReleaseThatDoesNothingIsCaught() {
        caught(SimSpec.Mutation.VIP_KEPT, false, "the VIP is on two hosts at once");
    }

    @Test
    void aReleaseOfTheVipsPlacedByChecksThatDoesNothingIsCaught() {
        caught(SimSpec.Mutation.TRACKED_KEPT, false, "a VIP placed by checks is on two hosts at once");
    }

    /** The loop sleeps until {@link vigil.core.node.Wake}: a wake that comes late (a timer left out) must be caught. */
    @Test
    void aWakeThatComesLateIsCaught() {
        caught(SimSpec.Mutation.WAKE_LATE, false, "a timer is missing from Wake");
    }

    /** A leader in doubt freezes its PostgreSQL: a freezer that freezes nothing must be caught. */
    @Test
    void aFreezeThatFreezesNothingIsCaught() {
        caught(SimSpec.Mutation.FREEZE_IGNORED, false, "after its lease fell in doubt");
    }

    @Test
    void aWeakenedSynchronousVoteRuleIsCaught() {
        caught(SimSpec.Mutation.WEAK_SYNC_VOTE, true, "acknowledged commit");
    }

    /**
     * Failover orders in synchronous mode keep every commit unless the operator accepts losing some: orders that
     * always waive the position rules (and are never refused for it) must lose an acknowledged commit somewhere.
     */
    @Test
    void aFailoverOrderThatAlwaysWaivesPositionsIsCaught() {
        caught(SimSpec.Mutation.ORDER_ALWAYS_ACCEPTS_LOSS, seed -> SimSpec.forSeed(seed).withSynchronousPostgres()
                .withSwitchovers(true), "acknowledged commit");
    }

    /**
     * A fence is proof that PostgreSQL cannot write only if no start asked before it spawns after it: a driver that
     * starts PostgreSQL whatever fence came since (no StartBarrier, no cancel of a start not yet begun) must be caught
     * with a writable server and no lease.
     */
    @Test
    void aStartThatOutlivesTheFenceAfterItIsCaught() {
        // The search starts at 250, the first seed that catches it (a full search from 1 took 100 s on two cores).
        caught(SimSpec.Mutation.START_AFTER_FENCE, 250, seed -> SimSpec.forSeed(seed).withPostgres(), "accepts writes while");
    }

    /**
     * Finds the first seed whose schedule breaks the promise under {@code m} (searched in parallel, the lowest seed
     * wins, so the result is reproducible), checks that it replays, and that the same schedule without the mutation
     * keeps the promise: the broken part, not the schedule, is what the checker caught.
     */
    private static void caught(SimSpec.Mutation m, boolean synchronous, String expected) {
        caught(m, seed -> synchronous ? SimSpec.forSeed(seed).withSynchronousPostgres() : SimSpec.forSeed(seed).withPostgres(),
                expected);
    }

    private static void caught(SimSpec.Mutation m, LongFunction<SimSpec> spec, String expected) {
        caught(m, 1, spec, expected);
    }

    /** As above, searching from {@code from}: the seeds below it were searched once and caught nothing. */
    private static void caught(SimSpec.Mutation m, long from, LongFunction<SimSpec> spec, String expected) {
        long limit = Long.getLong("vigil.sim.mutationSeeds", 2000L);
        java.util.OptionalLong seed = LongStream.rangeClosed(from, limit).parallel()
                .filter(s -> violation(spec.apply(s).withMutation(m)).contains(expected)).findFirst();
        assertTrue(seed.isPresent(), "no schedule caught the mutation " + m + " (expected a violation containing '"
                + expected + "')");
        String found = violation(spec.apply(seed.getAsLong()).withMutation(m));
        assertTrue(found.startsWith("seed " + seed.getAsLong() + " "), found);
        assertEquals(firstLine(found), firstLine(violation(spec.apply(seed.getAsLong()).withMutation(m))),
                "the failing seed must replay");
        assertEquals("", violation(spec.apply(seed.getAsLong()).withMutation(m).withoutMutation()),
                "without the mutation the same schedule must pass");
        System.out.println("mutation " + m + " caught: " + firstLine(found));
    }

    private static String violation(SimSpec spec) {
        try {
            new Simulation(spec).run();
            return "";
        } catch (AssertionError e) {
            return e.getMessage();
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * The lease checker is not vacuous: with clock rates 30 times outside the bound the leases are computed on a false
     * premise, and some schedule must show two nodes holding a lease at once.
     */
    @Test
    void clocksBeyondTheDriftBoundAreCaught() {
        int caught = 0;
        for (long seed = 1; seed <= 2000 && caught == 0; seed++) {
            try {
                new Simulation(SimSpec.forSeed(seed).withActualDrift(0.3)).run();
            } catch (AssertionError e) {
                assertTrue(e.getMessage().contains("seed " + seed), e.getMessage());
                if (e.getMessage().contains("two nodes hold a valid lease")) caught++;
            }
        }
        assertTrue(caught > 0, "no double lease found although clocks broke the drift bound");
    }

    /**
     * Replays one schedule: {@code mvn -pl core test -Dtest=SimulationTest#replay -Dvigil.sim.seed=N} (add
     * {@code -Dvigil.sim.postgres=true} or {@code -Dvigil.sim.synchronous=true}, {@code -Dvigil.sim.leaderCrashes=true},
     * and {@code -Dvigil.sim.mutation=M}).
     */
    @Test
    void replay() {
        Long seed = Long.getLong("vigil.sim.seed");
        long s = seed == null ? 42L : seed;
        SimSpec spec = Boolean.getBoolean("vigil.sim.synchronous") ? SimSpec.forSeed(s).withSynchronousPostgres()
                : Boolean.getBoolean("vigil.sim.postgres") || seed == null ? SimSpec.forSeed(s).withPostgres() : SimSpec.forSeed(s);
        if (Boolean.getBoolean("vigil.sim.leaderCrashes")) spec = spec.withLeaderCrashes();
        if (Boolean.getBoolean("vigil.sim.vigildRestarts")) spec = spec.withVigildRestarts();
        if (Boolean.getBoolean("vigil.sim.plannedVigildRestarts")) spec = spec.withPlannedVigildRestarts();
        if (Boolean.getBoolean("vigil.sim.flappingLeader")) spec = spec.withFlappingLeader();
        String switchovers = System.getProperty("vigil.sim.switchovers");
        if (switchovers != null) spec = spec.withSwitchovers(SimSpec.Scenario.valueOf(switchovers) == SimSpec.Scenario.SWITCHOVERS_AMID_FAULTS);
        String mutation = System.getProperty("vigil.sim.mutation");
        if (mutation != null) spec = spec.withMutation(SimSpec.Mutation.valueOf(mutation));
        SimResult first = new Simulation(spec).run();
        SimResult again = new Simulation(spec).run();
        assertEquals(first, again, "a schedule must replay identically from its seed");
    }
}
