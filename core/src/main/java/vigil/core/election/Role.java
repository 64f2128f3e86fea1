package vigil.core.election;

/** What a node is doing in the election. A witness is always a {@link #FOLLOWER}: it votes, never stands. */
public enum Role {
    FOLLOWER, CANDIDATE, LEADER;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
