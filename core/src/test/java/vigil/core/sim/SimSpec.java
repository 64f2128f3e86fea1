package vigil.core.sim;

import java.util.ArrayList;
import java.util.List;
import vigil.core.election.Timing;
import vigil.core.election.Voter;

/**
 * One seeded schedule: which electorate, how long faults are injected, how long the cluster then has to recover.
 * The electorate cycles with the seed through 3 and 5 voters, with and without a witness.
 */
record SimSpec(long seed, List<Voter> voters, Timing timing, long faultPhaseUs, long quietPhaseUs, double actualDrift,
               boolean postgres) {
    static final Timing TIMING = Timing.of(150, 1500, 0.01);

    static SimSpec forSeed(long seed) {
        int shape = (int) Math.floorMod(seed, 4L);
        List<Voter> voters = switch (shape) {
            case 0 -> electorate(3, 0);
            case 1 -> electorate(2, 1);
            case 2 -> electorate(5, 0);
            default -> electorate(4, 1);
        };
        return new SimSpec(seed, voters, TIMING, 20_000_000L, 12_000_000L, TIMING.drift(), false);
    }

    /** The same schedule with clocks that break the stated drift bound: the checker must catch the damage. */
    SimSpec withActualDrift(double drift) {
        return new SimSpec(seed, voters, timing, faultPhaseUs, quietPhaseUs, drift, postgres);
    }

    /** The same schedule with a simulated PostgreSQL on every data node, supervised by the HA core. */
    SimSpec withPostgres() {
        return new SimSpec(seed, voters, timing, faultPhaseUs, 25_000_000L, actualDrift, true);
    }

    /**
     * With PostgreSQL, after healing a leader must also serve writes: on top of the election, probe the old primary,
     * promote or restart (under a second), and possibly a rewind or clone of up to 3 s before a standby is eligible.
     */
    long servingBoundUs() {
        return livenessBoundUs() + 8_000_000L;
    }

    static List<Voter> electorate(int data, int witnesses) {
        List<Voter> voters = new ArrayList<>();
        for (int i = 1; i <= data; i++) voters.add(new Voter("n" + i, true, 100 - i));
        for (int i = 1; i <= witnesses; i++) voters.add(Voter.witness("w" + i));
        return voters;
    }

    /**
     * After every fault heals, a leader must hold a lease within this bound: every node may first have to wait
     * out its no-vote window (one lease from its last heartbeat, or from boot), then candidates stand one
     * stagger apart, and one split attempt may need a backoff and a second round.
     */
    long livenessBoundUs() {
        long lease = timing.leaseMs();
        long perRound = timing.electionTimeoutMs() + timing.staggerMs() * (voters.size() + 2);
        return (2 * lease + 2 * perRound) * 1000L;
    }

    String describe() {
        long data = voters.stream().filter(Voter::canLead).count();
        return data + " data + " + (voters.size() - data) + " witness" + (postgres ? ", postgres" : "");
    }
}
