package vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code cluster:} section: must be identical on every node (compare {@link VigilConfig#clusterHash()}).
 * {@code postgres} is empty when vigil manages no PostgreSQL; {@code vips} follow the primary.
 */
public record ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security,
                              Optional<PostgresClusterSettings> postgres, List<VipSettings> vips) {
    public ClusterSettings {
        nodes = List.copyOf(nodes);
        vips = List.copyOf(vips);
    }

    /** A cluster without VIPs. */
    public ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security,
                           Optional<PostgresClusterSettings> postgres) {
        this(name, nodes, timing, security, postgres, List.of());
    }

    /** A cluster without managed PostgreSQL. */
    public ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security) {
        this(name, nodes, timing, security, Optional.empty());
    }
}
