package vigil.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code node:} section, with defaults applied: {@code name} is never null (host name fallback)
 * and names a member of {@code cluster.nodes}; {@code bindAddress} defaults to that member's address.
 * {@code postgres} is present exactly when {@link ClusterSettings#postgres()} is. {@code watchdog} is never null;
 * a file without {@code node.watchdog} gets mode {@code auto}, while the shorter constructors (settings built in
 * code) get {@link WatchdogSettings#OFF}, so that no test or tool opens a device it did not ask for. {@code services}
 * holds the preset's actions first, then those of {@code node.services}, in the order they run; {@code track} the
 * checks of {@code node.track}; {@code http} the HTTP endpoint ({@link HttpSettings#OFF} without {@code node.http}).
 */
public record NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                           Optional<PostgresNodeSettings> postgres, WatchdogSettings watchdog, List<HookSettings> hooks,
                           List<ServiceActionSettings> services, TrackSettings track, HttpSettings http) {

    public NodeSettings {
        if (watchdog == null) {
            throw new IllegalArgumentException("watchdog settings are required (WatchdogSettings.OFF for none)");
        }
        hooks = List.copyOf(hooks);
        services = List.copyOf(services);
        if (track == null) track = TrackSettings.NONE;
        if (http == null) http = HttpSettings.OFF;
    }

    /** A node without the HTTP endpoint. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                        Optional<PostgresNodeSettings> postgres, WatchdogSettings watchdog, List<HookSettings> hooks,
                        List<ServiceActionSettings> services, TrackSettings track) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, hooks, services, track, HttpSettings.OFF);
    }

    /** The same node with the event hooks {@code h}. */
    public NodeSettings withHooks(List<HookSettings> h) {
        return new NodeSettings(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, h, services,
                track, http);
    }

    /** The same node with the PostgreSQL section {@code p}. */
    public NodeSettings withPostgres(Optional<PostgresNodeSettings> p) {
        return new NodeSettings(name, stateDir, bindAddress, adminSocket, adminGroup, p, watchdog, hooks, services,
                track, http);
    }

    /** The same node with the HTTP endpoint {@code h}. */
    public NodeSettings withHttp(HttpSettings h) {
        return new NodeSettings(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, hooks, services,
                track, h);
    }

    /** A node without tracked checks. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                        Optional<PostgresNodeSettings> postgres, WatchdogSettings watchdog, List<HookSettings> hooks,
                        List<ServiceActionSettings> services) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, hooks, services, TrackSettings.NONE);
    }

    /** A node without service actions. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                        Optional<PostgresNodeSettings> postgres, WatchdogSettings watchdog, List<HookSettings> hooks) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, hooks, List.of());
    }

    /** A node without event hooks. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                        Optional<PostgresNodeSettings> postgres, WatchdogSettings watchdog) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, watchdog, List.of());
    }

    /** A node without managed PostgreSQL and without a watchdog. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, Optional.empty(), WatchdogSettings.OFF);
    }

    /** A node without a watchdog. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                        Optional<PostgresNodeSettings> postgres) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, postgres, WatchdogSettings.OFF);
    }
}
