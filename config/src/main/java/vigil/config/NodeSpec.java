package vigil.config;

/**
 * One entry of {@code cluster.nodes}: a voter of the static membership.
 * Invariant (checked by the loader): names are unique and so are address+port pairs.
 */
public record NodeSpec(String name, String address, int port, NodeRole role, int priority) {}
