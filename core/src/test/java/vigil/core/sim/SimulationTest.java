package vigil.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Seeded fault schedules over the election core. Every CI run checks {@value #DEFAULT_SCHEDULES} schedules
 * (override with -Dvigil.sim.schedules=N, shift the seeds with -Dvigil.sim.firstSeed=S); a failure prints its
 * seed and the command that replays it alone.
 */
class SimulationTest {
    static final int DEFAULT_SCHEDULES = 2000;

    @Test
    void seededFaultSchedulesKeepThePromise() {
        int schedules = Integer.getInteger("vigil.sim.schedules", DEFAULT_SCHEDULES);
        long first = Long.getLong("vigil.sim.firstSeed", 1L);
        List<SimResult> results = LongStream.range(first, first + schedules).parallel()
                .mapToObj(seed -> new Simulation(SimSpec.forSeed(seed)).run())
                .collect(ArrayList::new, List::add, List::addAll);
        assertEquals(schedules, results.size());
        LongSummaryStatistics recovery = results.stream().mapToLong(SimResult::recoveryMs).summaryStatistics();
        long elections = results.stream().mapToLong(SimResult::leaderships).sum();
        long events = results.stream().mapToLong(SimResult::events).sum();
        System.out.printf("simulation: %d schedules, %d events, %d leaderships, recovery after heal ms avg=%.0f max=%d%n",
                schedules, events, elections, recovery.getAverage(), recovery.getMax());
        // The faults must actually have forced changes of leadership, or the run proved nothing.
        assertTrue(elections > 2L * schedules, "too few leaderships (" + elections + "): the faults are too gentle");
    }

    /**
     * The same kind of schedules with a simulated PostgreSQL on every data node: at most one writable primary at
     * every step, and after healing a leader serves writes again.
     */
    @Test
    void seededFaultSchedulesWithPostgresKeepOneWriter() {
        int schedules = Integer.getInteger("vigil.sim.pgSchedules", 500);
        long first = Long.getLong("vigil.sim.firstSeed", 1L);
        List<SimResult> results = LongStream.range(first, first + schedules).parallel()
                .mapToObj(seed -> new Simulation(SimSpec.forSeed(seed).withPostgres()).run())
                .collect(ArrayList::new, List::add, List::addAll);
        assertEquals(schedules, results.size());
        System.out.printf("simulation with postgres: %d schedules, %d leaderships%n", schedules,
                results.stream().mapToLong(SimResult::leaderships).sum());
    }

    /**
     * The checker is not vacuous: with clock rates 30 times outside the bound the leases are computed on a false
     * premise, and some schedule must show two nodes holding a lease at once.
     */
    @Test
    void clocksBeyondTheDriftBoundAreCaught() {
        int caught = 0;
        for (long seed = 1; seed <= 200 && caught == 0; seed++) {
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
     * Replays one schedule: {@code mvn -pl core test -Dtest=SimulationTest#replay -Dvigil.sim.seed=N}
     * (add {@code -Dvigil.sim.postgres=true} for a schedule of the PostgreSQL run).
     */
    @Test
    void replay() {
        Long seed = Long.getLong("vigil.sim.seed");
        long s = seed == null ? 42L : seed;
        SimSpec spec = Boolean.getBoolean("vigil.sim.postgres") ? SimSpec.forSeed(s).withPostgres() : SimSpec.forSeed(s);
        SimResult first = new Simulation(spec).run();
        SimResult again = new Simulation(spec).run();
        assertEquals(first, again, "a schedule must replay identically from its seed");
    }
}
