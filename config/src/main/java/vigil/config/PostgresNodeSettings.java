package vigil.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code node.postgres:} section, defaults applied: {@code configDir} defaults to {@code dataDir},
 * {@code listenAddress} to this node's cluster address; {@code clientAccess} in the file's order (pg_hba matches
 * the first line that fits).
 */
public record PostgresNodeSettings(Path bindir, Path dataDir, Path configDir, int port, String listenAddress,
                                   Path socketDir, String osUser, List<ClientAccess> clientAccess) {
    public PostgresNodeSettings {
        clientAccess = List.copyOf(clientAccess);
    }

    /** The same settings with the client rules {@code rules}: what a reload applies. */
    public PostgresNodeSettings withClientAccess(List<ClientAccess> rules) {
        return new PostgresNodeSettings(bindir, dataDir, configDir, port, listenAddress, socketDir, osUser, rules);
    }
}
