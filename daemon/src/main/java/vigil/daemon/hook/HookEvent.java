package vigil.daemon.hook;

import java.util.Map;

/**
 * One event as the hooks see it: what was logged, plus the node's role and term as known when it was logged.
 *
 * @param sequence 1 for the first event since vigild started, then counting up (gaps: dropped events)
 * @param fields   the event's own fields, secrets masked, in logging order
 * @param line     the log line itself
 */
record HookEvent(long sequence, String event, String severity, Map<String, String> fields, String line, String role,
                 String term, String timestamp) {
    HookEvent {
        fields = Map.copyOf(fields);
    }
}
