package vigil.testkit;

import java.time.Duration;

/**
 * Election timing written into every node's config. The rig default (150 ms heartbeats, 1.5 s
 * lease) is the shipped default the 2.5 s failover target is measured against.
 */
public record Timing(Duration heartbeat, Duration lease) {
    public static final Timing DEFAULT = new Timing(Duration.ofMillis(150), Duration.ofMillis(1500));

    public Timing {
        if (lease.compareTo(heartbeat.multipliedBy(3)) <= 0) {
            throw new IllegalArgumentException("lease " + lease.toMillis() + "ms must be > 3 x heartbeat "
                    + heartbeat.toMillis() + "ms (config rule)");
        }
    }
}
