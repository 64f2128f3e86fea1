package vigil.testkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** summary.json, summary.md (also returned for stdout) and chart.png for one report. */
final class ReportWriter {
    private ReportWriter() {
    }

    static String write(Report r, BenchOptions o, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", r.scenario());
        json.put("runs", r.runs());
        json.putAll(r.metrics());
        json.put("samples", r.samples());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("heartbeat_ms", o.timing().heartbeat().toMillis());
        settings.put("lease_ms", o.timing().lease().toMillis());
        json.put("settings", settings);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("cores", Runtime.getRuntime().availableProcessors());
        host.put("kernel", System.getProperty("os.version"));
        json.put("host", host);
        if (!r.notes().isEmpty()) {
            json.put("notes", r.notes());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("summary.json").toFile(), json);

        String md = markdown(r, o);
        Files.writeString(dir.resolve("summary.md"), md);
        Chart.write(r.chart(), dir.resolve("chart.png"));
        return md;
    }

    private static String markdown(Report r, BenchOptions o) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(r.scenario()).append(" — ").append(r.runs()).append(" run(s), heartbeat ")
                .append(o.timing().heartbeat().toMillis()).append(" ms, lease ").append(o.timing().lease().toMillis())
                .append(" ms, ").append(Runtime.getRuntime().availableProcessors()).append(" cores, kernel ")
                .append(System.getProperty("os.version")).append("\n\n");
        sb.append("| metric | p50 | p90 | max |\n|---|---|---|---|\n");
        Map<String, Object> flat = new java.util.LinkedHashMap<>();
        r.metrics().forEach((k, v) -> flatten(k, v, flat));
        flat.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) {
                sb.append("| ").append(k).append(" | ").append(fmt(m.get("p50"))).append(" | ")
                        .append(fmt(m.get("p90"))).append(" | ").append(fmt(m.get("max"))).append(" |\n");
            }
        });
        sb.append('\n');
        flat.forEach((k, v) -> {
            if (!(v instanceof Map<?, ?>)) {
                sb.append("- ").append(k).append(": **").append(fmt(v)).append("**\n");
            }
        });
        if (!r.samples().isEmpty()) {
            List<String> cols = List.copyOf(r.samples().get(0).keySet());
            sb.append("\n| ").append(String.join(" | ", cols)).append(" |\n|");
            cols.forEach(c -> sb.append("---|"));
            sb.append('\n');
            for (Map<String, Object> s : r.samples()) {
                sb.append("| ");
                for (String c : cols) {
                    sb.append(fmt(s.get(c))).append(" | ");
                }
                sb.append('\n');
            }
        }
        r.notes().forEach(n -> sb.append("\n- ").append(n));
        if (!r.notes().isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * A statistic ({p50, p90, max}) or a plain value stays as it is; a group of them (the idle scenario's leader and
     * follower) becomes one entry per part, named "group part".
     */
    private static void flatten(String key, Object v, Map<String, Object> into) {
        if (v instanceof Map<?, ?> m && !m.containsKey("p50")) {
            m.forEach((k, part) -> flatten(key + " " + k, part, into));
        } else {
            into.put(key, v);
        }
    }

    private static String fmt(Object v) {
        if (v == null) {
            return "—";
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        return v.toString();
    }
}
