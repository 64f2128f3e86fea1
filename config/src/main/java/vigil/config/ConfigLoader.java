package vigil.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Loads and validates vigil's YAML config file. Never throws for bad input: every problem in the file
 * is returned at once, located by line, column and setting path, and the config is returned only when
 * none of them is an error.
 */
public final class ConfigLoader {
    private static final long MAX_FILE_BYTES = 1 << 20;

    private ConfigLoader() {}

    /** Loads {@code file}; a missing {@code node.name} defaults to this machine's short host name. */
    public static LoadResult load(Path file) {
        return load(file, Host.local());
    }

    /** As {@link #load(Path)}, with the host name given (tests, or a caller that knows better). */
    public static LoadResult load(Path file, String hostname) {
        return load(file, Host.withHostname(hostname));
    }

    static LoadResult load(Path file, Host host) {
        Problems problems = new Problems(file.toString());
        Optional<YamlNode> root = readText(file, problems).flatMap(text -> YamlReader.read(text, problems));
        if (root.isEmpty()) {
            return new LoadResult(Optional.empty(), problems.sorted());
        }
        Bound b = Binder.bind(root.get(), problems);
        ClusterRules.check(b, problems, host.hostname());
        HostRules.check(b, problems, host);
        PostgresRules.check(b, problems, host);
        ClientAccessRules.check(b, problems);
        WatchdogRules.check(b, problems);
        HookRules.check(b, problems);
        VipRules.check(b, problems, host, isDataNode(b, host));
        FenceRules.check(b, problems);
        ServiceRules.check(b, problems);
        TrackRules.check(b, problems);
        HttpRules.check(b, problems);
        Optional<VigilConfig> config = problems.hasErrors() ? Optional.empty() : Optional.of(assemble(file, b, host));
        return new LoadResult(config, problems.sorted());
    }

    private static Optional<String> readText(Path file, Problems problems) {
        String what;
        if (!Files.exists(file)) {
            what = "the config file does not exist — create it (see docs/configuration.md) or pass the right path";
        } else if (Files.isDirectory(file)) {
            what = "this is a directory, not a config file — pass the path of the YAML file";
        } else if (!Files.isReadable(file)) {
            what = "the config file is not readable by this user — fix its owner or mode (e.g. chmod 640)";
        } else {
            try {
                if (Files.size(file) > MAX_FILE_BYTES) {
                    what = "the file is larger than 1 MiB, which no vigil config is — check the path";
                } else {
                    byte[] bytes = Files.readAllBytes(file);
                    return Optional.of(StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes)).toString());
                }
            } catch (CharacterCodingException e) {
                what = "the file is not UTF-8 text — save it as UTF-8";
            } catch (IOException e) {
                what = "cannot read the config file: " + e + " — check the path and permissions";
            }
        }
        problems.error("", Position.NONE, what);
        return Optional.empty();
    }

    /** Builds the records from settings that passed every check (defaults applied). */
    private static VigilConfig assemble(Path file, Bound b, Host host) {
        List<NodeSpec> nodes = new ArrayList<>();
        for (int i = 0; i < b.listSize("cluster.nodes"); i++) {
            String p = "cluster.nodes[" + i + "].";
            nodes.add(new NodeSpec(b.get(p + "name", String.class), b.get(p + "address", String.class),
                    b.get(p + "port", Integer.class), b.get(p + "role", NodeRole.class), b.get(p + "priority", Integer.class),
                    fence(b, i)));
        }
        String t = "cluster.timing.";
        TimingSettings timing = new TimingSettings(b.get(t + "heartbeat_interval", Duration.class),
                b.get(t + "lease", Duration.class), b.get(t + "clock_drift_bound", Double.class),
                b.get(t + "failure_detection_timeout", Duration.class), b.get(t + "suspect_verify_timeout", Duration.class),
                b.get(t + "join_timeout", Duration.class));
        SecuritySettings security = new SecuritySettings(
                Optional.ofNullable(b.get("cluster.security.key_file", Path.class)),
                b.get("cluster.security.insecure", Boolean.class));
        ClusterSettings cluster = new ClusterSettings(b.get("cluster.name", String.class), nodes, timing, security,
                clusterPostgres(b), vips(b));

        String name = Optional.ofNullable(b.get("node.name", String.class)).orElse(host.hostname());
        String selfAddress = nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow().address();
        NodeSettings node = new NodeSettings(name, b.get("node.state_dir", Path.class),
                Optional.ofNullable(b.get("node.bind_address", String.class)).orElse(selfAddress),
                b.get("node.admin.socket", Path.class), Optional.ofNullable(b.get("node.admin.group", String.class)),
                nodePostgres(b, selfAddress), watchdog(b), hooks(b), ServiceRules.actions(b), TrackRules.settings(b),
                HttpRules.settings(b));
        return new VigilConfig(file, cluster, node);
    }

    /** Whether the member this file configures is a data node (true when that cannot be told yet). */
    private static boolean isDataNode(Bound b, Host host) {
        String name = Optional.ofNullable(b.get("node.name", String.class)).orElse(host.hostname());
        for (int i = 0; i < b.listSize("cluster.nodes"); i++) {
            String p = "cluster.nodes[" + i + "].";
            if (Objects.equals(name, b.get(p + "name", String.class))) {
                return b.get(p + "role", NodeRole.class) != NodeRole.WITNESS;
            }
        }
        return true;
    }

    private static List<VipSettings> vips(Bound b) {
        List<VipSettings> out = new ArrayList<>();
        for (int i = 0; i < b.listSize(VipRules.LIST); i++) {
            String p = VipRules.LIST + "[" + i + "].";
            String name = b.get(p + "name", String.class);
            String device = b.get(p + "device", String.class);
            out.add(new VipSettings(name, b.get(p + "address", String.class), b.get(p + "prefix", Integer.class), device,
                    VipRules.label(device, name), b.get(p + "announce_count", Integer.class),
                    b.get(p + "announce_interval", Duration.class), b.get(p + "reannounce_interval", Duration.class),
                    TrackRules.followsChecks(b, i)));
        }
        return out;
    }

    private static List<FenceDevice> fence(Bound b, int node) {
        List<FenceDevice> out = new ArrayList<>();
        for (int j = 0; j < b.listSize(FenceRules.list(node)); j++) {
            String p = FenceRules.list(node) + "[" + j + "].";
            Integer port = b.get(p + "port", Integer.class);
            String options = b.get(p + "options", String.class);
            out.add(new FenceDevice(b.get(p + "level", Integer.class), b.get(p + "agent", Path.class),
                    Optional.ofNullable(b.get(p + "ip", String.class)), port == null ? OptionalInt.empty() : OptionalInt.of(port),
                    Optional.ofNullable(b.get(p + "username", String.class)), Optional.ofNullable(b.get(p + "plug", String.class)),
                    b.get(p + "lanplus", Boolean.class), options == null ? Map.of() : FenceRules.options(options),
                    Optional.ofNullable(b.get(p + "password_file", Path.class)),
                    Optional.ofNullable(b.get(p + "password_script", Path.class)), b.get(p + "timeout", Duration.class)));
        }
        return out;
    }

    private static List<HookSettings> hooks(Bound b) {
        List<HookSettings> out = new ArrayList<>();
        for (int i = 0; i < b.listSize(HookRules.LIST); i++) {
            String p = HookRules.LIST + "[" + i + "].";
            out.add(new HookSettings(b.get(p + "path", Path.class), b.get(p + "timeout", Duration.class),
                    Optional.ofNullable(b.get(p + "recipient", String.class))));
        }
        return out;
    }

    private static Optional<PostgresClusterSettings> clusterPostgres(Bound b) {
        if (!b.isPresent("cluster.postgres")) {
            return Optional.empty();
        }
        String p = "cluster.postgres.";
        return Optional.of(new PostgresClusterSettings(b.get(p + "replication_user", String.class),
                Optional.ofNullable(b.get(p + "replication_password_file", Path.class)), b.get(p + "superuser", String.class),
                b.get(p + "synchronous", Boolean.class), b.get(p + "max_lag_on_failover", Long.class),
                b.get(p + "migration_threshold", Integer.class), b.get(p + "failure_timeout", Duration.class),
                b.get(p + "failover_without_fencing", Boolean.class), b.get(p + "probe_interval", Duration.class),
                b.get(p + "probe_timeout", Duration.class), b.get(p + "replication_slots", Boolean.class),
                b.get(p + "max_slot_wal_keep_size", Long.class)));
    }

    private static WatchdogSettings watchdog(Bound b) {
        String p = "node.watchdog.";
        return new WatchdogSettings(b.get(p + "mode", WatchdogMode.class), b.get(p + "device", Path.class),
                b.get(p + "timeout", Duration.class), b.get(p + "reset_slack", Duration.class));
    }

    private static Optional<PostgresNodeSettings> nodePostgres(Bound b, String selfAddress) {
        if (!b.isPresent("node.postgres")) {
            return Optional.empty();
        }
        String p = "node.postgres.";
        Path dataDir = b.get(p + "data_dir", Path.class);
        return Optional.of(new PostgresNodeSettings(b.get(p + "bindir", Path.class), dataDir,
                Optional.ofNullable(b.get(p + "config_dir", Path.class)).orElse(dataDir), b.get(p + "port", Integer.class),
                Optional.ofNullable(b.get(p + "listen_address", String.class)).orElse(selfAddress),
                b.get(p + "socket_dir", Path.class), b.get(p + "os_user", String.class), clientAccess(b)));
    }

    private static List<ClientAccess> clientAccess(Bound b) {
        List<ClientAccess> out = new ArrayList<>();
        for (int i = 0; i < b.listSize(ClientAccessRules.LIST); i++) {
            String p = ClientAccessRules.LIST + "[" + i + "].";
            out.add(new ClientAccess(b.get(p + "type", String.class), b.get(p + "database", String.class),
                    b.get(p + "user", String.class), Optional.ofNullable(b.get(p + "address", String.class)),
                    b.get(p + "method", String.class)));
        }
        return out;
    }
}
