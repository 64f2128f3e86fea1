package vigil.testkit;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One vigild log line (contracts.md §3): {@code <N>node=NAME event=E key=value ... mono_ms=M}.
 * {@code monoMs} is CLOCK_MONOTONIC in ms, shared by every namespace on the host, so events of
 * different nodes (and the rig's own {@link System#nanoTime()}) order on one timeline.
 */
public record LogEvent(String node, double monoMs, String event, int priority, Map<String, String> fields) {

    public Optional<String> field(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    public OptionalLong longField(String key) {
        String v = fields.get(key);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Math.round(Double.parseDouble(v)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** A monotonic-ms field, e.g. lease_start_mono_ms; fails loudly when the daemon did not write it. */
    public double mono(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new RigException("log event " + this + " has no " + key);
        }
        return Double.parseDouble(v);
    }

    public boolean is(String eventName) {
        return event.equals(eventName);
    }

    /** For {@code event=role}: the role before the arrow ({@code leader} in {@code leader→follower}). */
    public String roleFrom() {
        String r = fields.getOrDefault("role", "");
        int arrow = arrow(r);
        return arrow < 0 ? "" : r.substring(0, arrow);
    }

    /** For {@code event=role}: the role after the arrow. */
    public String roleTo() {
        String r = fields.getOrDefault("role", "");
        int arrow = arrow(r);
        return arrow < 0 ? r : r.substring(arrow + (r.startsWith("->", arrow) ? 2 : 1));
    }

    private static int arrow(String r) {
        int i = r.indexOf('→');
        return i >= 0 ? i : r.indexOf("->");
    }

    public long term() {
        return longField("term").orElse(-1);
    }
}
