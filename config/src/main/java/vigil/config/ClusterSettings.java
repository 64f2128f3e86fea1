package vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code cluster:} section: must be identical on every node (compare {@link VigilConfig#clusterHash()}).
 * {@code postgres} is empty when vigil manages no PostgreSQL.
 */
public record ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security,
                              Optional<PostgresClusterSettings> postgres) {
    public ClusterSettings {
        nodes = List.copyOf(nodes);
    }

    /** A cluster without managed PostgreSQL. */
    public ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security) {
        this(name, nodes, timing, security, Optional.empty());
    }
}
