package vigil.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code node:} section, with defaults applied: {@code name} is never null (host name fallback)
 * and names a member of {@code cluster.nodes}; {@code bindAddress} defaults to that member's address.
 * {@code postgres} is present exactly when {@link ClusterSettings#postgres()} is.
 */
public record NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup,
                           Optional<PostgresNodeSettings> postgres) {

    /** A node without managed PostgreSQL. */
    public NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup) {
        this(name, stateDir, bindAddress, adminSocket, adminGroup, Optional.empty());
    }
}
