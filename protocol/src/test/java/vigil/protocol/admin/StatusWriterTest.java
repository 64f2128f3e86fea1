package vigil.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status written by hand ({@link StatusWriter}) is the text data binding writes from the records' annotations:
 * every field, in order, the same nulls kept and the same empties left out, compact and indented.
 */
class StatusWriterTest {
    static final PgNodeView PRIMARY = new PgNodeView("primary", 3L, "0/3000148", 0L, false, true, 1, "watchdog");
    static final PgNodeView UNKNOWN = new PgNodeView(null, null, null, null, null, false, false, null, null,
            "not reachable from here");
    static final NodeStatusView N1 = new NodeStatusView("n1", "data", "leader", true, true, PRIMARY);
    static final NodeStatusView N2 = new NodeStatusView("n2", "data", "follower", false, false, UNKNOWN);
    static final NodeStatusView W1 = new NodeStatusView("w1", "witness", "unknown", false, false);
    static final NodeStatusView N3 = new NodeStatusView("n3", "data", "follower", true, false,
            new PgNodeView("standby", 3L, "0/3000000", 328L, 0.25, true, true, null, null));

    /** Every field set, every optional part present. */
    static StatusView full() {
        PgClusterView pg = new PgClusterView("n1", 3, List.of("n2"), true, "PRIMARY_HEALTHY", "db=10.0.0.5 on n1",
                new TrackedView("n2", "region", "2 of 2 pass"), "by alice at 2026-12-03T09:00:00Z", List.of("n3"));
        List<ServiceOutcomeView> services = List.of(
                new ServiceOutcomeView("restart apache2", "acquired", "db", true, 0, 1, 1_796_000_000_000L, "done"),
                new ServiceOutcomeView("reload squid", "promoted", null, false, 3, 2, 1_796_000_000_001L, null));
        return new StatusView(1, "n1", "maas", "leader", 7, "n1", 1312, true, 3, 2, List.of(N1, N2, W1, N3), pg,
                services, "to n2 at 2026-12-03T10:00:00Z");
    }

    /** Nothing optional: no PostgreSQL, no leader, no services. */
    static StatusView bare() {
        return new StatusView(1, "n2", "maas", "candidate", 8, null, 0, false, 3, 1, List.of(W1));
    }

    /** PostgreSQL with its nullable fields null and its lists empty. */
    static StatusView sparse() {
        PgClusterView pg = new PgClusterView(null, 0, List.of(), false, null);
        return new StatusView(1, "n3", "maas", "follower", 2, "n1", -5, true, 3, 3, List.of(N2), pg);
    }

    @Test
    void writesWhatDataBindingWrites() {
        for (StatusView v : List.of(full(), bare(), sparse())) {
            JsonNode byHand = StatusWriter.tree(v);
            JsonNode bound = AdminCodec.mapper().valueToTree(v);
            assertEquals(JsonTrees.write(bound, false), JsonTrees.write(byHand, false));
            assertEquals(JsonTrees.write(bound, true), JsonTrees.write(byHand, true));
            assertEquals(v, StatusReader.status(byHand), "read back");
        }
    }

    /** A daemon older than {@code lag_seconds} does not send it: read as unknown, the rest as before. */
    @Test
    void aStatusWithoutTheLagInSecondsReadsItAsUnknown() {
        JsonNode t = StatusWriter.tree(full());
        for (JsonNode n : t.get("nodes")) {
            if (n.hasNonNull("postgres")) ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("postgres")).remove("lag_seconds");
        }
        StatusView read = StatusReader.status(t);
        assertEquals(null, read.nodes().get(3).postgres().lagSeconds());
        assertEquals("not reachable from here", read.nodes().get(1).postgres().notCandidate());
        assertEquals(328L, read.nodes().get(3).postgres().lagBytes());
        assertEquals(0.25, full().nodes().get(3).postgres().lagSeconds());
    }

    /** A daemon older than {@code not_candidate} does not send it: read as not known, the rest as before. */
    @Test
    void aStatusWithoutWhyANodeIsNotACandidateReadsItAsNotKnown() {
        JsonNode t = StatusWriter.tree(full());
        for (JsonNode n : t.get("nodes")) {
            if (n.hasNonNull("postgres")) ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("postgres")).remove("not_candidate");
        }
        StatusView read = StatusReader.status(t);
        assertEquals(null, read.nodes().get(1).postgres().notCandidate());
        assertEquals(full().nodes().get(1).postgres().withOwnReport(null), read.nodes().get(1).postgres().withOwnReport(
                new PgNodeView(null, null, null, null, null, false, false, null, null, "not reachable from here")));
    }

    @Test
    void theCodecWritesAStatusByHand() {
        StatusView v = full();
        assertEquals(JsonTrees.write(StatusWriter.tree(v), false), JsonTrees.write(AdminCodec.toTree(v), false));
        assertEquals(StatusWriter.tree(v).getClass(), AdminCodec.toTree(v).getClass());
    }

    /** A component added to a view must be written too: the full view writes one field per component. */
    @Test
    void everyComponentOfEveryViewIsWritten() {
        JsonNode t = StatusWriter.tree(full());
        assertEquals(StatusView.class.getRecordComponents().length, names(t).size(), names(t).toString());
        assertEquals(NodeStatusView.class.getRecordComponents().length, names(t.get("nodes").get(0)).size());
        assertEquals(PgNodeView.class.getRecordComponents().length, names(t.get("nodes").get(0).get("postgres")).size());
        assertEquals(PgClusterView.class.getRecordComponents().length, names(t.get("postgres")).size());
        assertEquals(TrackedView.class.getRecordComponents().length, names(t.get("postgres").get("tracked")).size());
        assertEquals(ServiceOutcomeView.class.getRecordComponents().length, names(t.get("services").get(0)).size());
        assertEquals(Arrays.asList("version", "node", "cluster", "role", "term", "leader", "lease_remaining_ms",
                "quorum", "voters", "reachable_voters", "nodes", "postgres", "services", "scheduled_switchover"), names(t));
    }

    /**
     * What vigild does for a status request, in a JVM of its own with class loading logged: decode the request, write
     * the reply. Data binding (an {@code ObjectMapper}) must not be loaded: in a running vigild it would stay resident.
     */
    @Test
    void answeringAStatusLoadsNoDataBinding() throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xshare:off", "-Xlog:class+load=info", "-cp",
                System.getProperty("java.class.path"), AnswerStatus.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("answered {\"version\":1,\"ok\":true,\"result\":{\"version\":1,\"node\":\"n1\""), out);
        assertTrue(out.contains("vigil.protocol.admin.StatusWriter "), "the log names loaded classes: " + out.length());
        assertFalse(out.contains("com.fasterxml.jackson.databind.ObjectMapper "), "ObjectMapper was loaded");
    }

    /** The request and the reply of a status call, as the daemon's admin connection handles them. */
    static final class AnswerStatus {
        public static void main(String[] args) {
            Decoded<AdminRequest> request = AdminCodec.decodeRequest("{\"version\":1,\"command\":\"status\"}");
            if (!request.isValid()) throw new IllegalStateException(request.error().toString());
            System.out.println("answered " + AdminCodec.encodeReply(AdminReply.success(full())));
        }
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> i = o.fieldNames(); i.hasNext(); ) out.add(i.next());
        return out;
    }
}
