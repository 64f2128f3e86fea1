package vigil.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code node:} section, with defaults applied: {@code name} is never null (host name fallback)
 * and names a member of {@code cluster.nodes}; {@code bindAddress} defaults to that member's address.
 */
public record NodeSettings(String name, Path stateDir, String bindAddress, Path adminSocket, Optional<String> adminGroup) {}
