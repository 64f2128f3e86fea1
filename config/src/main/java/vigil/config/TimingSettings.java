package vigil.config;

import java.time.Duration;

/**
 * Timing of heartbeats, leases and failure detection.
 * Invariants (checked by the loader): {@code lease > 3 * heartbeatInterval} so a lease survives
 * two lost heartbeats; {@code failureDetectionTimeout >= 2 * heartbeatInterval};
 * {@code 0 <= clockDriftBound < 0.1}; every duration is positive.
 */
public record TimingSettings(Duration heartbeatInterval, Duration lease, double clockDriftBound,
                             Duration failureDetectionTimeout, Duration suspectVerifyTimeout,
                             Duration joinTimeout) {}
