package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One configured node as the answering daemon sees it.
 *
 * @param name      the node's configured name
 * @param kind      {@code data} or {@code witness}
 * @param role      {@code leader}, {@code candidate}, {@code follower}, {@code witness}, or
 *                  {@code unknown} when the node is not reachable
 * @param reachable whether the node is in the answering daemon's current membership view
 * @param self      whether this row is the answering daemon itself
 * @param postgres  the node's PostgreSQL, absent when vigil manages none (and for witnesses)
 */
@JsonPropertyOrder({"name", "kind", "role", "reachable", "self", "postgres"})
public record NodeStatusView(
        @JsonProperty("name") String name,
        @JsonProperty("kind") String kind,
        @JsonProperty("role") String role,
        @JsonProperty("reachable") boolean reachable,
        @JsonProperty("self") boolean self,
        @JsonProperty("postgres") @com.fasterxml.jackson.annotation.JsonInclude(
                com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) PgNodeView postgres) {

    /** A node of a cluster without managed PostgreSQL. */
    public NodeStatusView(String name, String kind, String role, boolean reachable, boolean self) {
        this(name, kind, role, reachable, self, null);
    }

    public NodeStatusView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(role, "role");
    }
}
