package vigil.config;

import java.util.List;

/**
 * One entry of {@code cluster.nodes}: a voter of the static membership, with the fence devices that can power it
 * off ({@code fence}, empty when none is configured; in file order).
 * Invariant (checked by the loader): names are unique and so are address+port pairs.
 */
public record NodeSpec(String name, String address, int port, NodeRole role, int priority, List<FenceDevice> fence) {
    public NodeSpec {
        fence = List.copyOf(fence);
    }

    /** A member without fence devices. */
    public NodeSpec(String name, String address, int port, NodeRole role, int priority) {
        this(name, address, port, role, priority, List.of());
    }
}
