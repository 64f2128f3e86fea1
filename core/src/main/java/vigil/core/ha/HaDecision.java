package vigil.core.ha;

import java.util.List;
import vigil.core.election.Observation;

/**
 * @param actions        for the PostgreSQL driver, in order
 * @param electionInputs to feed back into {@link vigil.core.election.Election} (candidacy, record update, resign)
 * @param reason         set when the supervisor's reason changed: one log line
 */
public record HaDecision(SupervisorState next, List<PgAction> actions, List<Observation> electionInputs,
                         HaReason reason) {
    public HaDecision {
        actions = List.copyOf(actions);
        electionInputs = List.copyOf(electionInputs);
    }
}
