package vigil.protocol.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Writes a status ({@link StatusView} and the views inside it) as a JSON tree, field by field: the mirror of
 * {@link StatusReader}, and the same text that data binding writes from the records' annotations (names, order, and
 * which fields are left out when null or empty). {@code StatusWriterTest} holds the two to the same bytes.
 *
 * <p>Why by hand: the status is what vigild answers most (every {@code vigilctl status}, every monitoring check), and
 * data binding would be the only reason a running vigild loads Jackson's {@code ObjectMapper}: about 350 classes, some
 * 4 MB of class data resident for the life of the process. Commands answered rarely still go through data binding,
 * which is then loaded on first use.
 */
final class StatusWriter {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private StatusWriter() {
    }

    static ObjectNode tree(StatusView s) {
        ObjectNode o = F.objectNode();
        o.put("version", s.version());
        o.put("node", s.node());
        o.put("cluster", s.cluster());
        o.put("role", s.role());
        o.put("term", s.term());
        o.put("leader", s.leader());
        o.put("lease_remaining_ms", s.leaseRemainingMs());
        o.put("quorum", s.quorum());
        o.put("voters", s.voters());
        o.put("reachable_voters", s.reachableVoters());
        ArrayNode nodes = o.putArray("nodes");
        for (NodeStatusView n : s.nodes()) nodes.add(node(n));
        if (s.postgres() != null) o.set("postgres", pgCluster(s.postgres()));
        if (!s.services().isEmpty()) {
            ArrayNode services = o.putArray("services");
            for (ServiceOutcomeView v : s.services()) services.add(service(v));
        }
        if (s.scheduledSwitchover() != null) o.put("scheduled_switchover", s.scheduledSwitchover());
        return o;
    }

    private static ObjectNode node(NodeStatusView n) {
        ObjectNode o = F.objectNode();
        o.put("name", n.name());
        o.put("kind", n.kind());
        o.put("role", n.role());
        o.put("reachable", n.reachable());
        o.put("self", n.self());
        if (n.postgres() != null) o.set("postgres", pgNode(n.postgres()));
        return o;
    }

    private static ObjectNode pgCluster(PgClusterView p) {
        ObjectNode o = F.objectNode();
        o.put("primary", p.primary());
        o.put("timeline", p.timeline());
        texts(o, "sync", p.sync());
        o.put("synchronous_mode", p.synchronousMode());
        o.put("reason", p.reason());
        if (p.vips() != null) o.put("vips", p.vips());
        if (p.tracked() != null) o.set("tracked", tracked(p.tracked()));
        o.put("paused", p.paused());
        texts(o, "banned", p.banned());
        return o;
    }

    private static ObjectNode tracked(TrackedView t) {
        ObjectNode o = F.objectNode();
        o.put("holder", t.holder());
        o.put("here", t.here());
        o.put("checks", t.checks());
        return o;
    }

    private static ObjectNode pgNode(PgNodeView p) {
        ObjectNode o = F.objectNode();
        o.put("role", p.role());
        o.put("timeline", p.timeline());
        o.put("lsn", p.lsn());
        o.put("lag_bytes", p.lagBytes());
        o.put("lag_seconds", p.lagSeconds());
        o.put("sync", p.sync());
        o.put("eligible", p.eligible());
        o.put("failcount", p.failcount());
        o.put("proof", p.proof());
        o.put("not_candidate", p.notCandidate());
        return o;
    }

    private static ObjectNode service(ServiceOutcomeView v) {
        ObjectNode o = F.objectNode();
        o.put("action", v.action());
        o.put("trigger", v.trigger());
        o.put("vip", v.vip());
        o.put("ok", v.ok());
        o.put("exit", v.exit());
        o.put("attempts", v.attempts());
        o.put("at_epoch_ms", v.atEpochMs());
        o.put("detail", v.detail());
        return o;
    }

    private static void texts(ObjectNode o, String field, List<String> values) {
        ArrayNode a = o.putArray(field);
        for (String v : values) a.add(v);
    }
}
