package vigil.testkit.bench;

import java.nio.file.Path;
import vigil.testkit.Timing;

/** Command-line settings shared by every scenario. */
public record BenchOptions(int runs, Path out, int idleSeconds, Timing timing) {
}
