package vigil.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A node's own view, from {@code vigilctl status --json} (contracts.md §2). */
public record NodeStatus(String node, String cluster, String role, long term, Optional<String> leader,
                         long leaseRemainingMs, boolean quorum, int voters, int reachableVoters,
                         List<Member> nodes, String json) {

    public record Member(String name, String kind, String role, boolean reachable, boolean self) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Accepts the bare status object or an admin-socket reply wrapping it in {"ok":true,"result":...}. */
    public static NodeStatus parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new RigException("status is not JSON: " + e.getMessage() + ": " + json.strip());
        }
        if (root == null || !root.isObject()) {
            throw new RigException("status is not a JSON object: " + json.strip());
        }
        if (root.has("result")) {
            if (!root.path("ok").asBoolean(true)) {
                throw new RigException("daemon answered an error: " + root.path("error"));
            }
            root = root.get("result");
        }
        for (String required : List.of("node", "role", "term")) {
            if (!root.has(required)) {
                throw new RigException("status lacks \"" + required + "\": " + json.strip());
            }
        }
        List<Member> members = new ArrayList<>();
        for (JsonNode m : root.path("nodes")) {
            members.add(new Member(m.path("name").asText(), m.path("kind").asText(), m.path("role").asText(),
                    m.path("reachable").asBoolean(), m.path("self").asBoolean()));
        }
        JsonNode leader = root.path("leader");
        return new NodeStatus(root.path("node").asText(), root.path("cluster").asText(), root.path("role").asText(),
                root.path("term").asLong(), leader.isTextual() ? Optional.of(leader.asText()) : Optional.empty(),
                root.path("lease_remaining_ms").asLong(), root.path("quorum").asBoolean(),
                root.path("voters").asInt(), root.path("reachable_voters").asInt(), List.copyOf(members),
                json.strip());
    }

    /** This node's own PostgreSQL as it reports it ({@code nodes[].postgres.role} of its own row), if any. */
    public Optional<String> ownPgRole() {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.has("result")) root = root.get("result");
            for (JsonNode m : root.path("nodes")) {
                if (m.path("self").asBoolean() && m.path("postgres").path("role").isTextual()) {
                    return Optional.of(m.path("postgres").path("role").asText());
                }
            }
        } catch (java.io.IOException e) {
            throw new RigException("status is not JSON: " + e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * How far {@code member}'s PostgreSQL is behind the primary as this node last knew it ({@code nodes[].postgres.lag_bytes}),
     * empty when this node does not know.
     */
    public Optional<Long> lagBytes(String member) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.has("result")) root = root.get("result");
            for (JsonNode m : root.path("nodes")) {
                JsonNode lag = m.path("postgres").path("lag_bytes");
                if (m.path("name").asText().equals(member) && lag.isNumber()) return Optional.of(lag.asLong());
            }
        } catch (java.io.IOException e) {
            throw new RigException("status is not JSON: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** The primary this node's copy of the cluster record names ({@code postgres.primary}); empty when none. */
    public Optional<String> recordedPrimary() {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.has("result")) root = root.get("result");
            JsonNode primary = root.path("postgres").path("primary");
            return primary.isTextual() ? Optional.of(primary.asText()) : Optional.empty();
        } catch (java.io.IOException e) {
            throw new RigException("status is not JSON: " + e.getMessage());
        }
    }

    /** The synchronous set in this node's copy of the cluster record ({@code postgres.sync}); empty without PostgreSQL. */
    public List<String> recordedSync() {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.has("result")) root = root.get("result");
            List<String> sync = new ArrayList<>();
            for (JsonNode n : root.path("postgres").path("sync")) sync.add(n.asText());
            return List.copyOf(sync);
        } catch (java.io.IOException e) {
            throw new RigException("status is not JSON: " + e.getMessage());
        }
    }

    public boolean isLeaderWithLease() {
        return role.equals("leader") && leaseRemainingMs > 0;
    }
}
