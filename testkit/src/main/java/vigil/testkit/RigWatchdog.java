package vigil.testkit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Gives every node of a rig cluster a {@link FakeWatchdog} ({@code nK/watchdog}) configured as its
 * {@code node.watchdog} with {@code mode: required}; when one fires, the node "resets": every process of its
 * namespace is killed and its link goes down. Without it (the default) rig configs say {@code mode: off}.
 */
public record RigWatchdog(Duration timeout, Duration resetSlack) {
    /** The shipped defaults: 1 s timeout, 50 ms reset slack. */
    public static final RigWatchdog DEFAULT = new RigWatchdog(Duration.ofSeconds(1), Duration.ofMillis(50));

    public RigWatchdog {
        if (timeout.isNegative() || timeout.isZero() || timeout.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("the watchdog timeout must be whole seconds (config rule), got " + timeout);
        }
        if (resetSlack.isNegative() || resetSlack.isZero()) {
            throw new IllegalArgumentException("reset slack must be positive (a config duration), got " + resetSlack);
        }
    }

    /** One fake per node at its {@code nK/watchdog}; {@code reset} is what a firing one does to its node. */
    Map<String, FakeWatchdog> createFakes(ClusterFiles files, List<String> nodes, Consumer<String> reset) {
        Map<String, FakeWatchdog> fakes = new LinkedHashMap<>();
        try {
            for (String n : nodes) {
                fakes.put(n, FakeWatchdog.create(files.watchdogDevice(n), timeout, () -> reset.accept(n)));
            }
        } catch (RuntimeException e) {
            fakes.values().forEach(FakeWatchdog::close);
            throw e;
        }
        return Map.copyOf(fakes);
    }
}
