package vigil.core.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import vigil.core.election.Voter;

/** Draws a fault schedule for the fault phase of a {@link SimSpec}: one fault every ~0.8 s on average. */
final class FaultPlan {
    enum Kind {
        // the network
        PARTITION, PARTITION_REJECT, CUT_VIGIL_PORT, CUT_PG_PORT, ONE_WAY, HEAL, LOSS, DELAY, DUPLICATE,
        // processes and hosts
        CRASH_VIGILD, CRASH_HOST, PAUSE_VIGILD, SUSPEND_HOST, SLOW_DISK, PLANNED_RESTART,
        // PostgreSQL
        FREEZE_POSTMASTER, KILL_POSTMASTER, HOST_CRASH_DATA_EMPTIED, HOST_CRASH_FOREIGN_DATA,
        // the node-crash scenario only ({@link SimSpec#withLeaderCrashes}): whichever host leads at that instant
        CRASH_LEADER, KILL_LEADER_FIRST,
        // the vigild-restart scenario only ({@link SimSpec#withVigildRestarts}): the leader's vigild, PostgreSQL serving
        RESTART_LEADER_VIGILD,
        // the switchover scenarios only ({@link SimSpec#withSwitchovers}): vigilctl switchover [--to groupA] on the leader
        SWITCHOVER,
        // amid faults only: vigilctl pause on the leader, and resume {@code amount} ms later (retried until it takes)
        PAUSE,
        // amid faults only: vigilctl restart-pg of groupA's standby, on that node
        RESTART_PG,
        // amid faults only: vigilctl failover --to groupA (amount 1: --accept-data-loss, asynchronous mode only)
        FAILOVER_ORDER,
        // the planned-restart scenario only ({@link SimSpec#withPlannedVigildRestarts}): vigilctl restart-daemon on the
        // leader, started again {@code amount} ms after it ended
        RESTART_LEADER_DAEMON,
        // the flapping scenario only ({@link SimSpec#withFlappingLeader}): the lease holder's links go down for
        // {@code amount} ms, then up again
        FLAP_LEADER
    }

    /** Every kind drawn at random: all but the scenario's own (kept last, so the seeds draw what they always drew). */
    private static final List<Kind> RANDOM = List.of(Kind.values()).subList(0, Kind.CRASH_LEADER.ordinal());

    /** For the synchronous-vote mutation: the faults that leave an acknowledging standby without a known position. */
    private static final List<Kind> STANDBY_TROUBLE = List.of(Kind.FREEZE_POSTMASTER, Kind.KILL_POSTMASTER,
            Kind.CRASH_HOST, Kind.CRASH_VIGILD, Kind.PAUSE_VIGILD, Kind.HEAL);

    private static final List<Kind> ELECTION_ONLY = List.of(Kind.PARTITION, Kind.ONE_WAY, Kind.HEAL, Kind.LOSS,
            Kind.DELAY, Kind.DUPLICATE, Kind.CRASH_VIGILD, Kind.PAUSE_VIGILD);

    /** @param amount percent for LOSS/DUPLICATE, milliseconds for DELAY and every fault that lasts */
    record Fault(long atUs, Kind kind, List<String> groupA, List<String> groupB, int amount) {
        @Override
        public String toString() {
            return kind + (groupA.isEmpty() ? "" : " " + groupA) + (groupB.isEmpty() ? "" : "|" + groupB)
                    + (amount != 0 ? " " + amount : "");
        }
    }

    private FaultPlan() {}

    static List<Fault> generate(SimSpec spec, SplittableRandom r) {
        List<String> names = spec.voters().stream().map(Voter::name).toList();
        List<String> data = spec.voters().stream().filter(Voter::canLead).map(Voter::name).toList();
        List<Kind> kinds = !spec.postgres() ? ELECTION_ONLY
                : spec.standbyTrouble() ? STANDBY_TROUBLE : RANDOM;
        List<Fault> faults = new ArrayList<>();
        if (spec.scenario() == SimSpec.Scenario.PLANNED_VIGILD_RESTARTS) {
            for (long t = 3_000_000L; t < spec.faultPhaseUs(); t += 9_000_000L) {
                faults.add(new Fault(t, Kind.RESTART_LEADER_DAEMON, List.of(), List.of(), (int) r.nextLong(500, 4_000)));
            }
            return faults;
        }
        if (spec.scenario() == SimSpec.Scenario.FLAPPING_LEADER) {
            for (long t = 3_000_000L; t < spec.faultPhaseUs(); ) {
                int down = (int) r.nextLong(900, 1_600);
                faults.add(new Fault(t, Kind.FLAP_LEADER, List.of(), List.of(), down));
                t += down * 1000L + r.nextLong(600_000, 1_200_000);
            }
            return faults;
        }
        if (spec.scenario() == SimSpec.Scenario.VIGILD_RESTARTS) {
            for (long t = 3_000_000L; t < spec.faultPhaseUs(); t += 9_000_000L) {
                faults.add(new Fault(t, Kind.RESTART_LEADER_VIGILD, List.of(), List.of(), (int) r.nextLong(500, 4_000)));
            }
            return faults;
        }
        if (spec.switchovers()) {
            for (long t = 2_000_000L; t < spec.faultPhaseUs(); t += r.nextLong(2_500_000L, 5_000_000L)) {
                List<String> to = r.nextInt(3) == 0 ? List.of() : List.of(data.get(r.nextInt(data.size())));
                // one in four: the target's replication from the primary is cut a moment before (amount 1)
                faults.add(new Fault(t, Kind.SWITCHOVER, to, List.of(), !to.isEmpty() && r.nextInt(4) == 0 ? 1 : 0));
            }
            if (spec.scenario() == SimSpec.Scenario.SWITCHOVERS_AMID_FAULTS) {
                for (long f = r.nextLong(200_000, 3_000_000); f < spec.faultPhaseUs(); f += r.nextLong(300_000, 3_000_000)) {
                    faults.add(draw(f, names, data, kinds, r, spec.timing().leaseMs()));
                }
                // maintenance now and then, always over before the quiet phase (which must serve writes again)
                for (long f = r.nextLong(1_000_000, 6_000_000); f + 6_000_000L < spec.faultPhaseUs();
                     f += r.nextLong(4_000_000, 9_000_000)) {
                    faults.add(new Fault(f, Kind.PAUSE, List.of(), List.of(), (int) r.nextLong(500, 4_000)));
                }
                for (long f = r.nextLong(1_000_000, 4_000_000); f < spec.faultPhaseUs(); f += r.nextLong(2_000_000, 6_000_000)) {
                    faults.add(new Fault(f, Kind.RESTART_PG, List.of(data.get(r.nextInt(data.size()))), List.of(), 0));
                }
                // an operator's failover order to a random data node: taken only where the primary is lost (or the
                // cluster paused), refused elsewhere; accepting data loss in half of the asynchronous schedules' orders
                for (long f = r.nextLong(1_500_000, 5_000_000); f < spec.faultPhaseUs(); f += r.nextLong(1_500_000, 4_000_000)) {
                    faults.add(new Fault(f, Kind.FAILOVER_ORDER, List.of(data.get(r.nextInt(data.size()))), List.of(),
                            !spec.synchronous() && r.nextBoolean() ? 1 : 0));
                }
                faults.sort(java.util.Comparator.comparingLong(Fault::atUs));
            }
            return faults;
        }
        if (spec.leaderCrashes()) {
            int i = 0;
            for (long t = 3_000_000L; t < spec.faultPhaseUs(); t += 7_000_000L) {
                faults.add(new Fault(t, i++ % 2 == 0 ? Kind.CRASH_LEADER : Kind.KILL_LEADER_FIRST, List.of(), List.of(),
                        (int) r.nextLong(3_000, 5_000)));
            }
            return faults;
        }
        long t = r.nextLong(200_000, 3_000_000);
        while (t < spec.faultPhaseUs()) {
            faults.add(draw(t, names, data, kinds, r, spec.timing().leaseMs()));
            t += r.nextLong(50_000, 1_600_000);
        }
        return faults;
    }

    private static Fault draw(long t, List<String> names, List<String> data, List<Kind> kinds, SplittableRandom r,
                              long leaseMs) {
        Kind kind = kinds.get(r.nextInt(kinds.size()));
        while ((kind == Kind.HOST_CRASH_DATA_EMPTIED || kind == Kind.HOST_CRASH_FOREIGN_DATA) && r.nextInt(4) > 0) {
            kind = kinds.get(r.nextInt(kinds.size())); // data losses are rarer than the rest
        }
        List<String> shuffled = new ArrayList<>(names);
        for (int i = shuffled.size() - 1; i > 0; i--) java.util.Collections.swap(shuffled, i, r.nextInt(i + 1));
        String one = shuffled.get(0);
        String dataNode = data.get(r.nextInt(data.size()));
        return switch (kind) {
            case PARTITION, PARTITION_REJECT, CUT_VIGIL_PORT, CUT_PG_PORT -> {
                int cut = r.nextInt(1, shuffled.size());
                yield new Fault(t, kind, List.copyOf(shuffled.subList(0, cut)),
                        List.copyOf(shuffled.subList(cut, shuffled.size())), 0);
            }
            case ONE_WAY -> new Fault(t, kind, List.of(one), List.of(shuffled.get(1)), 0);
            case HEAL -> new Fault(t, kind, List.of(), List.of(), 0);
            case LOSS -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 60));
            case DELAY -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 400));
            case DUPLICATE -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 40));
            case CRASH_VIGILD, CRASH_HOST, PLANNED_RESTART -> new Fault(t, kind, List.of(one), List.of(),
                    (int) r.nextLong(50, 4 * leaseMs));
            // Pauses around and beyond a lease are where a naive lease breaks: the paused leader resumes late.
            case PAUSE_VIGILD, SUSPEND_HOST -> new Fault(t, kind, List.of(one), List.of(), (int) r.nextLong(20, 3 * leaseMs));
            case SLOW_DISK -> new Fault(t, kind, List.of(one), List.of(), (int) r.nextLong(500, 4_000));
            case FREEZE_POSTMASTER -> new Fault(t, kind, List.of(dataNode), List.of(), (int) r.nextLong(100, 3 * leaseMs));
            case KILL_POSTMASTER -> new Fault(t, kind, List.of(dataNode), List.of(), 0);
            case HOST_CRASH_DATA_EMPTIED, HOST_CRASH_FOREIGN_DATA -> new Fault(t, kind, List.of(dataNode), List.of(),
                    (int) r.nextLong(500, 4 * leaseMs));
            case CRASH_LEADER, KILL_LEADER_FIRST, RESTART_LEADER_VIGILD, SWITCHOVER, PAUSE, RESTART_PG, FAILOVER_ORDER,
                 RESTART_LEADER_DAEMON, FLAP_LEADER -> throw new IllegalArgumentException(kind + " is never drawn");
        };
    }
}
