package vigil.core.election;

/**
 * A configured voter. Quorum counts configured voters by name, never the current membership view, so a
 * partition can never shrink the majority it needs.
 *
 * @param canLead  false for a witness
 * @param priority higher stands first when candidates are equally advanced
 */
public record Voter(String name, boolean canLead, int priority) {
    public static Voter data(String name) {
        return new Voter(name, true, 100);
    }

    public static Voter witness(String name) {
        return new Voter(name, false, 0);
    }
}
