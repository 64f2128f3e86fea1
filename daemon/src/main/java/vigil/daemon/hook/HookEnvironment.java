package vigil.daemon.hook;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The environment a hook runs with: nothing inherited from vigild but a fixed PATH and locale, every field of the
 * event as {@code VIGIL_<KEY>}, then the standard variables (which win over a field of the same name).
 */
final class HookEnvironment {
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private HookEnvironment() {}

    static Map<String, String> of(HookEvent e, String node, String cluster, String recipient) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        env.put("LC_ALL", "C.UTF-8");
        e.fields().forEach((k, v) -> env.put(name(k), v));
        if (e.event().equals("role")) {
            String change = e.fields().getOrDefault("role", "");
            int arrow = change.indexOf('→');
            env.put("VIGIL_ROLE_FROM", arrow < 0 ? "" : change.substring(0, arrow));
        }
        env.put("VIGIL_EVENT", e.event());
        env.put("VIGIL_NODE", node);
        env.put("VIGIL_CLUSTER", cluster);
        env.put("VIGIL_ROLE", e.role());
        env.put("VIGIL_TERM", e.term());
        env.put("VIGIL_REASON", e.fields().getOrDefault("reason", ""));
        env.put("VIGIL_SEVERITY", e.severity());
        env.put("VIGIL_TIMESTAMP", e.timestamp());
        env.put("VIGIL_SEQUENCE", Long.toString(e.sequence()));
        env.put("VIGIL_RECIPIENT", recipient);
        env.put("VIGIL_DESCRIPTION", e.line());
        return env;
    }

    /** {@code VIGIL_} and the key in upper case, anything but letters and digits as '_': lease_until_mono_ms → VIGIL_LEASE_UNTIL_MONO_MS. */
    static String name(String key) {
        return "VIGIL_" + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
