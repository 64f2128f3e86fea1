package vigil.config;

import java.util.List;

/** The {@code cluster:} section: must be identical on every node (compare {@link VigilConfig#clusterHash()}). */
public record ClusterSettings(String name, List<NodeSpec> nodes, TimingSettings timing, SecuritySettings security) {
    public ClusterSettings {
        nodes = List.copyOf(nodes);
    }
}
