package vigil.core.node;

import java.util.List;
import vigil.core.election.Event;
import vigil.core.ha.Why;

/**
 * The result of one node step: the next state, the effects in order, and what to log.
 *
 * @param events election events (role changes, leases), one log line each
 * @param why    the supervisor's reason when it changed, else null
 * @param notes  node-level events worth a line (an action cancelled at its deadline, the watchdog unusable)
 */
public record NodeDecision(NodeState next, List<Effect> effects, List<Event> events, Why why, List<String> notes) {
    public NodeDecision {
        effects = List.copyOf(effects);
        events = List.copyOf(events);
        notes = List.copyOf(notes);
    }
}
