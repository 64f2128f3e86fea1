package vigil.protocol.peer;

import java.util.Objects;

/**
 * An operator's admin request that one node forwards to the node that carries it out, or that node's reply; both as
 * the admin protocol's JSON line ({@link vigil.protocol.admin.AdminCodec}). {@code vigilctl pause} typed on a standby
 * thus reaches the leader, which alone writes the cluster record, and its answer comes back to the operator.
 *
 * @param id     chosen by the forwarding node, echoed by the answer: it matches the two
 * @param answer false: a request to carry out; true: the reply to request {@code id}
 * @param json   the request or the reply, one JSON object
 */
public record OperatorFrame(long id, boolean answer, String json) {
    public OperatorFrame {
        Objects.requireNonNull(json, "json");
    }
}
