package vigil.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Parses contracts.md §3 lines. Lines that are not events (JVM warnings, stack traces) yield
 * empty: the rig reads whole stdout+stderr captures.
 */
public final class LogParser {
    private LogParser() {
    }

    public static Optional<LogEvent> parse(String line) {
        String s = line.strip();
        int priority = 6;
        if (s.startsWith("<")) {
            int close = s.indexOf('>');
            if (close < 2 || close > 3) {
                return Optional.empty();
            }
            try {
                priority = Integer.parseInt(s.substring(1, close));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            s = s.substring(close + 1);
        }
        Map<String, String> fields = fields(s);
        String node = fields.get("node");
        String event = fields.get("event");
        String mono = fields.get("mono_ms");
        if (node == null || event == null || mono == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LogEvent(node, Double.parseDouble(mono), event, priority, Map.copyOf(fields)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** key=value pairs separated by blanks; a value may be "double quoted" with \" and \\ escapes. */
    static Map<String, String> fields(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            int eq = s.indexOf('=', i);
            int sp = s.indexOf(' ', i);
            if (eq < 0 || (sp >= 0 && sp < eq)) {
                i = sp < 0 ? n : sp + 1; // a bare word: skip it
                continue;
            }
            String key = s.substring(i, eq);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = s.charAt(++i);
                    }
                    v.append(c);
                    i++;
                }
                i++;
            } else {
                while (i < n && s.charAt(i) != ' ') {
                    v.append(s.charAt(i++));
                }
            }
            if (!key.isEmpty()) {
                out.put(key, v.toString());
            }
        }
        return out;
    }
}
