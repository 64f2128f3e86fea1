package vigil.daemon.log;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One line per event on stdout: {@code <N>node=NAME key=value ... mono_ms=M}. The node comes first so that lines
 * from several nodes can be merged and still read; {@code mono_ms} is CLOCK_MONOTONIC in milliseconds, the same
 * clock on every process of a host, so events of different daemons can be ordered exactly.
 * Values with spaces or quotes are quoted; values of keys that look secret are masked.
 */
public final class Log {
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|key_material|token).*");
    private final String node;
    private final PrintStream out;
    private final Priority threshold;
    private final java.util.List<Tap> taps = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Recent recent = new Recent();
    /** The event JGroups' own log lines are written as ({@code JGroupsLog}); not kept in {@link #recent}. */
    public static final String LIBRARY_EVENT = "jgroups";

    /** Sees every event before the threshold applies (secret values already masked); must return at once. */
    public interface Tap {
        void event(Priority priority, String event, Map<String, String> fields, String line);
    }

    public Log(String node, PrintStream out, Priority threshold) {
        this.node = node;
        this.out = out;
        this.threshold = threshold;
    }

    /** @param keyValues alternating keys and values; a null value is written as {@code -} */
    public void event(Priority priority, String event, Object... keyValues) {
        boolean tapped = !taps.isEmpty();
        boolean shown = priority.level <= threshold.level;
        // the library's own warnings (JGroups, during a partition) would push the decisions out of the history
        boolean kept = priority.level <= Priority.NOTICE.level && !event.equals(LIBRARY_EVENT);
        if (!tapped && !shown && !kept) return;
        long monoMs = System.nanoTime() / 1_000_000;
        String line = line(priority, event, monoMs, keyValues);
        Map<String, String> fields = tapped || kept ? fields(keyValues) : null;
        if (kept) {
            recent.add(new Recent.Event(System.currentTimeMillis(), monoMs, priority, event,
                    java.util.Collections.unmodifiableMap(fields)));
        }
        if (tapped) {
            for (Tap t : taps) {
                try {
                    t.event(priority, event, fields, line);
                } catch (RuntimeException e) {
                    // a tap (hooks, metrics) is a courtesy: it never takes the thread that logged down (the node loop)
                }
            }
        }
        if (!shown) return;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private static Map<String, String> fields(Object... keyValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            String key = String.valueOf(keyValues[i]);
            Object value = keyValues[i + 1];
            fields.put(key, SECRET.matcher(key).matches() ? "****" : value == null ? "" : String.valueOf(value));
        }
        return fields;
    }

    /** The last events at notice or above ({@code vigilctl history}), whatever the threshold. */
    public Recent recent() {
        return recent;
    }

    /** Adds a tap (the event hooks, the metrics). */
    public void tap(Tap t) {
        taps.add(t);
    }

    /** Removes a tap added before. */
    public void untap(Tap t) {
        taps.remove(t);
    }

    /** The priority's syslog name: err, warning, notice, info, debug. */
    public static String severity(Priority p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    private String line(Priority priority, String event, long monoMs, Object... keyValues) {
        StringBuilder sb = new StringBuilder(128);
        sb.append('<').append(priority.level).append(">node=").append(node).append(" event=").append(event);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            String key = String.valueOf(keyValues[i]);
            Object value = keyValues[i + 1];
            sb.append(' ').append(key).append('=').append(SECRET.matcher(key).matches() ? "****" : quote(value));
        }
        sb.append(" mono_ms=").append(monoMs);
        return sb.toString();
    }

    static String quote(Object value) {
        if (value == null) return "-";
        String s = String.valueOf(value);
        if (s.isEmpty()) return "\"\"";
        boolean plain = s.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t');
        if (plain) return s;
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
