package vigil.core.ha;

import java.util.List;
import vigil.core.election.Observation;

/**
 * @param actions        for the PostgreSQL driver, in order (the node step's executor schedules them)
 * @param electionInputs to feed back into {@link vigil.core.election.Election} (candidacy, record update, resign)
 * @param persist        the supervisor's durable part when it changed: written before any action of this decision
 * @param why            set when the supervisor's reason changed: one log line
 */
public record HaDecision(SupervisorState next, List<PgAction> actions, List<Observation> electionInputs,
                         HaDurable persist, Why why) {
    public HaDecision {
        actions = List.copyOf(actions);
        electionInputs = List.copyOf(electionInputs);
    }

    public HaReason reason() {
        return why == null ? null : why.reason();
    }
}
