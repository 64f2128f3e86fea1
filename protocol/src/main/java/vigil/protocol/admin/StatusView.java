package vigil.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@code status}: the answering daemon's own view of the cluster (not a consensus
 * view — two daemons may disagree during a partition, which is exactly what an operator needs to see).
 *
 * @param version          the status format version (currently 1)
 * @param node             the answering node's name
 * @param cluster          the cluster name
 * @param role             this node's role: {@code leader}, {@code candidate}, {@code follower}, {@code witness}
 * @param term             the highest election term this node knows
 * @param leader           the leader this node knows for {@code term}, or null when none is known
 * @param leaseRemainingMs 0 unless this node is the leader holding a lease
 * @param quorum           whether this node currently sees a majority of the configured voters
 * @param voters           number of configured voters (data and witness nodes)
 * @param reachableVoters  voters in this node's current membership view, itself included
 * @param nodes            every configured node, in configuration order
 * @param postgres         the PostgreSQL part, or null when vigil manages none
 * @param services         the last outcome of each service action of this node that has run
 * @param scheduledSwitchover the switchover this node holds for later ({@code vigilctl switchover --at}: target, time,
 *                         who asked), or null (absent) when none
 */
@JsonPropertyOrder({"version", "node", "cluster", "role", "term", "leader", "lease_remaining_ms",
        "quorum", "voters", "reachable_voters", "nodes", "postgres", "services", "scheduled_switchover"})
public record StatusView(
        @JsonProperty("version") int version,
        @JsonProperty("node") String node,
        @JsonProperty("cluster") String cluster,
        @JsonProperty("role") String role,
        @JsonProperty("term") long term,
        @JsonProperty("leader") @JsonInclude(JsonInclude.Include.ALWAYS) String leader,
        @JsonProperty("lease_remaining_ms") long leaseRemainingMs,
        @JsonProperty("quorum") boolean quorum,
        @JsonProperty("voters") int voters,
        @JsonProperty("reachable_voters") int reachableVoters,
        @JsonProperty("nodes") List<NodeStatusView> nodes,
        @JsonProperty("postgres") @JsonInclude(JsonInclude.Include.NON_NULL) PgClusterView postgres,
        @JsonProperty("services") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ServiceOutcomeView> services,
        @JsonProperty("scheduled_switchover") @JsonInclude(JsonInclude.Include.NON_NULL) String scheduledSwitchover) {

    public StatusView(int version, String node, String cluster, String role, long term, String leader,
                      long leaseRemainingMs, boolean quorum, int voters, int reachableVoters, List<NodeStatusView> nodes,
                      PgClusterView postgres, List<ServiceOutcomeView> services) {
        this(version, node, cluster, role, term, leader, leaseRemainingMs, quorum, voters, reachableVoters, nodes,
                postgres, services, null);
    }

    /** The same view with the switchover this node holds for later ({@code vigilctl switchover --at}), or null. */
    public StatusView withScheduledSwitchover(String described) {
        return new StatusView(version, node, cluster, role, term, leader, leaseRemainingMs, quorum, voters,
                reachableVoters, nodes, postgres, services, described);
    }

    /** The status of a cluster without managed PostgreSQL. */
    public StatusView(int version, String node, String cluster, String role, long term, String leader,
                      long leaseRemainingMs, boolean quorum, int voters, int reachableVoters, List<NodeStatusView> nodes) {
        this(version, node, cluster, role, term, leader, leaseRemainingMs, quorum, voters, reachableVoters, nodes, null);
    }

    /** The status format version this code writes. */
    public static final int FORMAT_VERSION = 1;

    /** Without service action outcomes. */
    public StatusView(int version, String node, String cluster, String role, long term, String leader,
                      long leaseRemainingMs, boolean quorum, int voters, int reachableVoters, List<NodeStatusView> nodes,
                      PgClusterView postgres) {
        this(version, node, cluster, role, term, leader, leaseRemainingMs, quorum, voters, reachableVoters, nodes,
                postgres, List.of());
    }

    /** The same view with the node's service action outcomes. */
    public StatusView withServices(List<ServiceOutcomeView> outcomes) {
        return new StatusView(version, node, cluster, role, term, leader, leaseRemainingMs, quorum, voters,
                reachableVoters, nodes, postgres, outcomes, scheduledSwitchover);
    }

    public StatusView {
        services = services == null ? List.of() : List.copyOf(services);
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(role, "role");
        nodes = List.copyOf(Objects.requireNonNull(nodes, "nodes"));
    }
}
