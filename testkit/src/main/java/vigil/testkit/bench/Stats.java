package vigil.testkit.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percentiles by linear interpolation between closest ranks (so p50 of 2 values is their mean). */
public record Stats(int count, double p50, double p90, double max) {

    public static Stats of(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        if (v.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(v.size(), percentile(v, 0.5), percentile(v, 0.9), v.get(v.size() - 1));
    }

    static double percentile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (pos - lo);
    }

    /** {p50, p90, max} rounded to ms precision; null values when there were no samples. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", round3(p50));
        m.put("p90", round3(p90));
        m.put("max", round3(max));
        return m;
    }

    static Double round3(double x) {
        return Double.isNaN(x) ? null : Math.round(x * 1000.0) / 1000.0;
    }
}
