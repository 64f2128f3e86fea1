package vigil.daemon.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The daemon's last events at {@code notice} or above, whatever the log level: its decisions with their reasons (role
 * changes, leases, the supervisor's reasons and actions) and every side effect it logged (VIPs, fences, service
 * actions; not JGroups' own lines, which a partition can make many), for {@code vigilctl history}. Such events are rare (nothing is logged at notice every probe or heartbeat),
 * so a few hundred cover hours; older ones are in the journal.
 */
public final class Recent {
    /** How many events are kept. */
    public static final int CAPACITY = 500;

    /**
     * @param wallMs  when, in milliseconds since the epoch (wall clock: what an operator compares with the journal)
     * @param monoMs  when, on the host's monotonic clock (the log lines' {@code mono_ms})
     * @param fields  the event's fields in logged order, secret values masked
     */
    public record Event(long wallMs, long monoMs, Priority priority, String event, Map<String, String> fields) {}

    private final ArrayDeque<Event> events = new ArrayDeque<>();

    synchronized void add(Event e) {
        if (events.size() == CAPACITY) events.removeFirst();
        events.addLast(e);
    }

    /** The newest {@code limit} events, oldest first. */
    public synchronized List<Event> last(int limit) {
        List<Event> all = new ArrayList<>(events);
        return List.copyOf(all.subList(Math.max(0, all.size() - Math.max(0, limit)), all.size()));
    }
}
