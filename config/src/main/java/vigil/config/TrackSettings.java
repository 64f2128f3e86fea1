package vigil.config;

import java.time.Duration;
import java.util.List;

/**
 * The checks of {@code node.track}: this node may hold the VIPs that follow checks while every one passes. The
 * verdict turns to failing after {@code fall} failed rounds in a row, and back to passing after {@code rise} passed
 * rounds (a service that flaps does not drag the VIPs along).
 *
 * @param checks   what runs each round, in order; empty: the verdict is "pass" while vigild runs
 * @param interval time between the starts of two rounds
 * @param timeout  one check that has not ended after this is killed and counts as failed
 */
public record TrackSettings(List<Check> checks, Duration interval, Duration timeout, int fall, int rise) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_FALL = 2;
    public static final int DEFAULT_RISE = 2;
    public static final TrackSettings NONE = new TrackSettings(List.of(), DEFAULT_INTERVAL, DEFAULT_TIMEOUT,
            DEFAULT_FALL, DEFAULT_RISE);

    public TrackSettings {
        checks = List.copyOf(checks);
    }

    /**
     * @param argv   the command; a unit becomes {@code systemctl is-active --quiet UNIT}
     * @param label  as logs and {@code vigilctl status} name it
     * @param source where it was configured ({@code node.track[0]})
     */
    public record Check(List<String> argv, String label, String source) {
        public Check {
            argv = List.copyOf(argv);
        }
    }
}
