package vigil.core.sim;

import java.util.Map;
import java.util.TreeMap;

/** Counters of one or many schedules, by name; summed over a test run to demand a floor of each. */
final class SimCounts {
    private final Map<String, Long> counts = new TreeMap<>();

    void add(String name) {
        add(name, 1);
    }

    void add(String name, long n) {
        counts.merge(name, n, Long::sum);
    }

    long get(String name) {
        return counts.getOrDefault(name, 0L);
    }

    SimCounts plus(SimCounts other) {
        SimCounts sum = new SimCounts();
        counts.forEach(sum::add);
        other.counts.forEach(sum::add);
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimCounts c && c.counts.equals(counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public String toString() {
        return counts.toString();
    }
}
