package vigil.config;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What this node offers the others as proof that its PostgreSQL cannot write once it is gone, and therefore what a
 * crash of this node while it is primary will do: said by {@code vigild --check-config} so that an operator learns
 * it before the first failover, not during it. Proofs that need no configuration (the node's vigild reporting
 * PostgreSQL stopped, its PostgreSQL answering that it is in recovery) are not this node's to offer after a crash.
 */
public final class CrashProof {
    private CrashProof() {}

    /** One line per statement; {@code deviceExists} tells whether a watchdog device path exists on this host. */
    public static String describe(VigilConfig cfg, Predicate<Path> deviceExists) {
        String proof = proof(cfg, deviceExists);
        return cfg.cluster().postgres().isEmpty() ? proof : proof + fenceLevels(cfg);
    }

    /**
     * "fence levels configured for NODES", and which levels and devices can fence this node: a fence that powers
     * this node off (confirmed by a status of OFF) is a proof that does not depend on this node at all. Empty when
     * no member has fence devices.
     */
    private static String fenceLevels(VigilConfig cfg) {
        List<String> fenceable = cfg.cluster().nodes().stream().filter(n -> !n.fence().isEmpty()).map(NodeSpec::name)
                .toList();
        if (fenceable.isEmpty()) {
            return "";
        }
        List<FenceDevice> mine = cfg.self().fence();
        String self = mine.isEmpty() ? "none for this node (" + cfg.self().name() + "): add cluster.nodes[].fence"
                + " under it to be able to fence it"
                : "this node can be fenced with " + new TreeMap<>(mine.stream().collect(Collectors.groupingBy(
                        FenceDevice::level, Collectors.mapping(FenceDevice::label, Collectors.joining(" + ")))))
                        .entrySet().stream().map(e -> "level " + e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", then "));
        return "\nfence levels configured for " + String.join(", ", fenceable) + "; " + self;
    }

    private static String proof(VigilConfig cfg, Predicate<Path> deviceExists) {
        long leaseMs = cfg.cluster().timing().lease().toMillis();
        if (cfg.cluster().postgres().isEmpty()) {
            return "proof: not needed (vigil manages no PostgreSQL): a crash of this node costs an election, about one"
                    + " lease (" + leaseMs + " ms) if it led";
        }
        WatchdogSettings w = cfg.node().watchdog();
        boolean withoutProof = cfg.cluster().postgres().get().failoverWithoutFencing();
        String watchdog = switch (w.mode()) {
            case OFF -> null;
            case REQUIRED -> "watchdog " + w.device() + " (required)";
            case AUTO -> deviceExists.test(w.device()) ? "watchdog " + w.device() + " (auto: the device exists)" : null;
        };
        if (watchdog != null) {
            return "proof: " + watchdog + "\nif this node crashes or hangs as primary: another node is promoted once"
                    + " its lease has ended (at most " + leaseMs + " ms after its last heartbeat), since the watchdog"
                    + " resets this host " + w.effectiveTimeout().toMillis() + " ms after its daemon stops, before"
                    + " the lease ends; no fence agent is needed";
        }
        String none = w.mode() == WatchdogMode.OFF ? "none (node.watchdog.mode: off)"
                : "none (node.watchdog.mode: auto, but " + w.device() + " does not exist: load softdog with "
                        + "modprobe softdog, or use the board's watchdog)";
        if (withoutProof) {
            return "proof: " + none + "\nif this node crashes as primary: another node is promoted once its lease"
                    + " has ended, without any proof (failover_without_fencing: true) — if this node was only cut off,"
                    + " its PostgreSQL may still accept writes that will be lost";
        }
        return "proof: " + none + "\nif this node crashes as primary: no automatic failover — the leader waits in"
                + " FENCING_REQUIRED until this node's vigild reports again or its PostgreSQL answers that it is in"
                + " recovery (fence agents: not yet)";
    }
}
