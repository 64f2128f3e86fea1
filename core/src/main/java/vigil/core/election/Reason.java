package vigil.core.election;

/** Why a node's role changed. Logged once per change and asserted on by tests (never log text). */
public enum Reason {
    /** A majority of configured voters granted this node their vote in a new term. */
    ELECTED,
    /** No leader heartbeat for a whole lease, a majority agreed in a pre-vote: this node stands in a new term. */
    STOOD_FOR_ELECTION,
    /** The leader's lease ran out before a majority acknowledged a newer heartbeat. */
    LEASE_EXPIRED,
    /** Elected, but a majority never acknowledged a heartbeat within one lease length. */
    NO_LEASE_ESTABLISHED,
    /** A message carried a newer term: somebody else is (or is becoming) leader. */
    HIGHER_TERM,
    /** A heartbeat from the leader of the current term arrived. */
    LEADER_HEARTBEAT,
    /** The candidacy collected no majority in time. */
    ELECTION_TIMEOUT,
    /** So many voters refused this candidacy that no majority was left to win: it ends at once, not at the timeout. */
    ELECTION_LOST,
    /** The leader gave up leadership on purpose (shutdown or handover). */
    RESIGNED
}
