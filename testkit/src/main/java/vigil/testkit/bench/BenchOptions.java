package vigil.testkit.bench;

import java.nio.file.Path;
import vigil.testkit.Timing;

/**
 * Command-line settings shared by every scenario.
 *
 * @param idleSeconds       the idle scenarios' measuring window
 * @param idleSettleSeconds the idle scenarios' wait between a stable cluster and the window: the JVM compiles what the
 *                          daemon runs for minutes (a method called once a second reaches C1's threshold only after
 *                          some), and that is start-up cost, not what idling costs
 */
public record BenchOptions(int runs, Path out, int idleSeconds, int idleSettleSeconds, Timing timing) {
    public BenchOptions(int runs, Path out, int idleSeconds, Timing timing) {
        this(runs, out, idleSeconds, Bench.DEFAULT_SETTLE_S, timing);
    }
}
