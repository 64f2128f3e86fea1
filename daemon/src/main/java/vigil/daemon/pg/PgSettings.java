package vigil.daemon.pg;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import vigil.config.ClientAccess;
import vigil.config.NodeRole;
import vigil.config.NodeSpec;
import vigil.config.PostgresClusterSettings;
import vigil.config.PostgresNodeSettings;
import vigil.config.VigilConfig;

/**
 * Everything the driver needs to know about the local PostgreSQL. {@code peerAddresses} (the data nodes'
 * cluster addresses) are the only sources pg_hba accepts replication and pg_rewind connections from;
 * {@code clientRules} are the operator's pg_hba lines, in order, written after vigil's own.
 */
public record PgSettings(Path bindir, Path dataDir, Path configDir, int port, String listenAddress, Path socketDir,
                         String osUser, String superuser, String replicationUser, Optional<Path> replicationPasswordFile,
                         String applicationName, Duration probeTimeout, List<String> peerAddresses,
                         List<String> clientRules, ReplicationSlots slots) {
    public PgSettings {
        peerAddresses = List.copyOf(peerAddresses);
        clientRules = List.copyOf(clientRules);
        if (slots == null) slots = ReplicationSlots.NONE;
    }

    /** Settings without replication slots. */
    public PgSettings(Path bindir, Path dataDir, Path configDir, int port, String listenAddress, Path socketDir,
                      String osUser, String superuser, String replicationUser, Optional<Path> replicationPasswordFile,
                      String applicationName, Duration probeTimeout, List<String> peerAddresses, List<String> clientRules) {
        this(bindir, dataDir, configDir, port, listenAddress, socketDir, osUser, superuser, replicationUser,
                replicationPasswordFile, applicationName, probeTimeout, peerAddresses, clientRules, ReplicationSlots.NONE);
    }

    /** The same settings with {@code s} as the replication slots. */
    public PgSettings withSlots(ReplicationSlots s) {
        return new PgSettings(bindir, dataDir, configDir, port, listenAddress, socketDir, osUser, superuser,
                replicationUser, replicationPasswordFile, applicationName, probeTimeout, peerAddresses, clientRules, s);
    }

    /** Settings without client rules: only vigil's own connections are admitted by vigil's block. */
    public PgSettings(Path bindir, Path dataDir, Path configDir, int port, String listenAddress, Path socketDir,
                      String osUser, String superuser, String replicationUser, Optional<Path> replicationPasswordFile,
                      String applicationName, Duration probeTimeout, List<String> peerAddresses) {
        this(bindir, dataDir, configDir, port, listenAddress, socketDir, osUser, superuser, replicationUser,
                replicationPasswordFile, applicationName, probeTimeout, peerAddresses, List.of());
    }

    /** Maps a loaded config; fails when the config has no {@code postgres} sections (vigil manages no PostgreSQL). */
    public static PgSettings from(VigilConfig cfg) {
        PostgresClusterSettings c = cfg.cluster().postgres().orElseThrow(() -> new IllegalArgumentException(
                cfg.source() + ": no cluster.postgres section — vigil manages no PostgreSQL on this cluster"));
        PostgresNodeSettings n = cfg.node().postgres().orElseThrow(() -> new IllegalArgumentException(
                cfg.source() + ": no node.postgres section — add it to say where this node's PostgreSQL lives"));
        List<String> peers = cfg.cluster().nodes().stream()
                .filter(s -> s.role() == NodeRole.DATA).map(NodeSpec::address).distinct().toList();
        List<String> dataNodes = cfg.cluster().nodes().stream().filter(s -> s.role() == NodeRole.DATA).map(NodeSpec::name)
                .toList();
        return new PgSettings(n.bindir(), n.dataDir(), n.configDir(), n.port(), n.listenAddress(), n.socketDir(),
                n.osUser(), c.superuser(), c.replicationUser(), c.replicationPasswordFile(), cfg.node().name(),
                c.probeTimeout(), peers, n.clientAccess().stream().map(ClientAccess::hbaLine).toList(),
                c.replicationSlots() ? ReplicationSlots.of(cfg.node().name(), dataNodes, c.maxSlotWalKeepBytes())
                        : ReplicationSlots.NONE);
    }

    Path bin(String tool) {
        return bindir.resolve(tool);
    }
}
