package vigil.core.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import vigil.core.election.Voter;

/** Draws a fault schedule for the fault phase of a {@link SimSpec}: one fault every ~0.8 s on average. */
final class FaultPlan {
    enum Kind { PARTITION, ONE_WAY, HEAL, LOSS, DELAY, DUPLICATE, CRASH, PAUSE }

    /** @param amount percent for LOSS/DUPLICATE, milliseconds for DELAY/CRASH/PAUSE */
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
        List<Fault> faults = new ArrayList<>();
        long t = r.nextLong(200_000, 3_000_000);
        while (t < spec.faultPhaseUs()) {
            faults.add(draw(t, names, r, spec.timing().leaseMs()));
            t += r.nextLong(50_000, 1_600_000);
        }
        return faults;
    }

    private static Fault draw(long t, List<String> names, SplittableRandom r, long leaseMs) {
        Kind kind = Kind.values()[r.nextInt(Kind.values().length)];
        List<String> shuffled = new ArrayList<>(names);
        for (int i = shuffled.size() - 1; i > 0; i--) java.util.Collections.swap(shuffled, i, r.nextInt(i + 1));
        String one = shuffled.get(0);
        return switch (kind) {
            case PARTITION -> {
                int cut = r.nextInt(1, shuffled.size());
                yield new Fault(t, kind, List.copyOf(shuffled.subList(0, cut)),
                        List.copyOf(shuffled.subList(cut, shuffled.size())), 0);
            }
            case ONE_WAY -> new Fault(t, kind, List.of(one), List.of(shuffled.get(1)), 0);
            case HEAL -> new Fault(t, kind, List.of(), List.of(), 0);
            case LOSS -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 60));
            case DELAY -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 400));
            case DUPLICATE -> new Fault(t, kind, List.of(), List.of(), r.nextInt(0, 40));
            case CRASH -> new Fault(t, kind, List.of(one), List.of(), (int) r.nextLong(50, 4 * leaseMs));
            // Pauses around and beyond a lease are where a naive lease breaks: the paused leader resumes late.
            case PAUSE -> new Fault(t, kind, List.of(one), List.of(), (int) r.nextLong(20, 3 * leaseMs));
        };
    }
}
