package vigil.config;

import java.nio.file.Path;

/**
 * The {@code node.postgres:} section, defaults applied: {@code configDir} defaults to {@code dataDir},
 * {@code listenAddress} to this node's cluster address.
 */
public record PostgresNodeSettings(Path bindir, Path dataDir, Path configDir, int port, String listenAddress,
                                   Path socketDir, String osUser) {}
