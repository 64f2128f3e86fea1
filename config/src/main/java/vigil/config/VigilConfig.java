package vigil.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A fully validated configuration. Invariant: {@code node.name()} names exactly one entry of
 * {@code cluster.nodes()}, so {@link #self()} never fails on a config produced by {@link ConfigLoader}.
 */
public record VigilConfig(Path source, ClusterSettings cluster, NodeSettings node) {

    /** The member of {@code cluster.nodes} this process runs as. */
    public NodeSpec self() {
        return cluster.nodes().stream()
                .filter(n -> n.name().equals(node.name()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("node " + node.name() + " is not in cluster.nodes"));
    }

    /** Every configured member, data and witness alike, in file order: the quorum is a majority of these. */
    public List<NodeSpec> voters() {
        return cluster.nodes();
    }

    /**
     * Hex SHA-256 of a canonical form of the cluster section (defaults applied, nodes sorted by name,
     * durations in nanoseconds), so nodes whose files differ only in layout, comments, key order or
     * duration spelling agree, and any semantic difference changes the hash.
     */
    public String clusterHash() {
        return CanonicalCluster.sha256Hex(cluster);
    }
}
