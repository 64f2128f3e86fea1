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
 */
@JsonPropertyOrder({"name", "kind", "role", "reachable", "self"})
public record NodeStatusView(
        @JsonProperty("name") String name,
        @JsonProperty("kind") String kind,
        @JsonProperty("role") String role,
        @JsonProperty("reachable") boolean reachable,
        @JsonProperty("self") boolean self) {

    public NodeStatusView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(role, "role");
    }
}
