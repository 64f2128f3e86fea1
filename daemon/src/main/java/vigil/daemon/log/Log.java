package vigil.daemon.log;

import java.io.PrintStream;
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

    public Log(String node, PrintStream out, Priority threshold) {
        this.node = node;
        this.out = out;
        this.threshold = threshold;
    }

    /** @param keyValues alternating keys and values; a null value is written as {@code -} */
    public void event(Priority priority, String event, Object... keyValues) {
        if (priority.level > threshold.level) return;
        StringBuilder sb = new StringBuilder(128);
        sb.append('<').append(priority.level).append(">node=").append(node).append(" event=").append(event);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            String key = String.valueOf(keyValues[i]);
            Object value = keyValues[i + 1];
            sb.append(' ').append(key).append('=').append(SECRET.matcher(key).matches() ? "****" : quote(value));
        }
        sb.append(" mono_ms=").append(System.nanoTime() / 1_000_000);
        synchronized (out) {
            out.println(sb);
            out.flush();
        }
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
