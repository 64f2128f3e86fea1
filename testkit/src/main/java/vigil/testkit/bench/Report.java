package vigil.testkit.bench;

import java.util.List;
import java.util.Map;

/**
 * What a scenario measured. {@code metrics} go to summary.json at top level (e.g. new_leader_s →
 * {p50,p90,max}); {@code samples} are per run (or per sample) rows; {@code chart} is the series
 * drawn in chart.png.
 */
public record Report(String scenario, int runs, Map<String, Object> metrics, List<Map<String, Object>> samples,
                     Chart.Series chart, List<String> notes) {
}
