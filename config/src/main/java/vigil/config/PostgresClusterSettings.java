package vigil.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code cluster.postgres:} section, defaults applied. Present exactly when {@code node.postgres} is,
 * so a node with this section always knows where its own PostgreSQL lives.
 */
public record PostgresClusterSettings(String replicationUser, Optional<Path> replicationPasswordFile, String superuser,
                                      boolean synchronous, long maxLagOnFailoverBytes, int migrationThreshold,
                                      Duration failureTimeout, boolean failoverWithoutFencing,
                                      Duration probeInterval, Duration probeTimeout) {}
