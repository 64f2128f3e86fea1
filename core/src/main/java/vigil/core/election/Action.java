package vigil.core.election;

/** What a decision asks the driver to do, in list order. */
public sealed interface Action {
    /** Write this durably (fsync) before carrying out any later action of the same decision. */
    record Persist(Durable durable) implements Action {}

    /** Send to one peer; loss is tolerated. */
    record Send(String to, Message message) implements Action {}
}
