package vigil.core.election;

import java.util.List;

/** The result of one observation: the next state, the actions to carry out in order, and what to log. */
public record Decision(ElectionState next, List<Action> actions, List<Event> events) {
    public Decision {
        actions = List.copyOf(actions);
        events = List.copyOf(events);
    }
}
