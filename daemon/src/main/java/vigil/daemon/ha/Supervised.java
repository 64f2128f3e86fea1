package vigil.daemon.ha;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.config.NodeRole;
import vigil.config.NodeSpec;
import vigil.config.PostgresClusterSettings;
import vigil.config.VigilConfig;
import vigil.config.WatchdogMode;
import vigil.config.WatchdogSettings;
import vigil.core.election.Electorate;
import vigil.core.ha.HaPolicy;
import vigil.core.node.Input;
import vigil.core.node.NodeConfig;
import vigil.core.node.WatchdogConfig;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.PgProbe;
import vigil.daemon.pg.PgProcesses;
import vigil.daemon.pg.PgSettings;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.Upstream;

/** Builds the PostgreSQL side of vigild from the config: the node step's configuration and the agent that acts for it. */
public final class Supervised {
    /**
     * How long a restarted recorded primary keeps its still-serving PostgreSQL while it regains leadership: the
     * no-vote window after boot, the hand-back by the current leader and a retried election fit well inside. Set once
     * per boot on disk, so a crash loop cannot renew it.
     */
    static final int RECLAIM_LEASES = 6;

    private Supervised() {}

    /**
     * The policy, identical on every node because it comes from the cluster section. The self-fence margin is one
     * heartbeat: the fence (SIGKILL of the process group, verified) takes tens of milliseconds, and a lease that the
     * next heartbeat can still renew after a link is back must not be given up early. A node with a watchdog raises
     * it ({@code NodeConfig}) so that its fence ends before the device could fire (docs/architecture.md has the
     * arithmetic).
     */
    public static HaPolicy policy(VigilConfig cfg) {
        PostgresClusterSettings pg = cfg.cluster().postgres().orElseThrow();
        long heartbeat = cfg.cluster().timing().heartbeatInterval().toMillis();
        long lease = cfg.cluster().timing().lease().toMillis();
        return new HaPolicy(pg.maxLagOnFailoverBytes(), pg.synchronous(), pg.migrationThreshold(),
                pg.failureTimeout().toMillis(), pg.failoverWithoutFencing(), heartbeat, RECLAIM_LEASES * lease, 10_000,
                cfg.cluster().nodes().stream().filter(n -> !n.fence().isEmpty()).map(NodeSpec::name)
                        .collect(java.util.stream.Collectors.toSet()));
    }

    /** What the node step needs: the electorate (strict votes in synchronous mode), the policy, the watchdog. */
    public static NodeConfig nodeConfig(VigilConfig cfg, Electorate electorate, boolean watchdogUsable) {
        if (cfg.cluster().postgres().isEmpty()) return new NodeConfig(electorate, null, WatchdogConfig.OFF, null);
        boolean synchronous = cfg.cluster().postgres().get().synchronous();
        WatchdogSettings w = cfg.node().watchdog();
        WatchdogConfig wc = w.mode() == WatchdogMode.OFF || !watchdogUsable ? WatchdogConfig.OFF
                : new WatchdogConfig(w.mode() == WatchdogMode.REQUIRED ? WatchdogConfig.Mode.REQUIRED : WatchdogConfig.Mode.AUTO,
                        w.timeout().toMillis(), w.resetSlack().toMillis());
        var vips = cfg.cluster().vips();
        return new NodeConfig(electorate.withStrictPositions(synchronous), policy(cfg), wc, null,
                vips.stream().anyMatch(v -> !v.followsChecks()), vips.stream().anyMatch(v -> v.followsChecks()));
    }

    /**
     * The name of PostgreSQL's cgroup under vigild's own: node, port and a short hash of the data directory. One
     * vigild per host needs no more; several on one host under one parent (test rigs, side by side) must never share a
     * group, or a fence of one would kill the others' PostgreSQL (it did, in a benchmark run beside a demo).
     */
    static String groupName(String node, int port, java.nio.file.Path dataDir) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(dataDir.toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return node + "-" + port + "-" + String.format("%08x", crc.getValue());
    }

    public static PostgresAgent agent(VigilConfig cfg, Consumer<Input> loop, LongSupplier clock, Log log) {
        PgSettings settings = PgSettings.from(cfg);
        PgProcesses group = PgProcesses.open(groupName(cfg.node().name(), settings.port(), settings.dataDir()),
                msg -> log.event(Priority.WARNING, "pg_processes", "detail", msg));
        log.event(Priority.INFO, "pg_processes", "group", group.describe());
        Postgres postgres = new Postgres(settings, r -> log.event(r.ok() ? Priority.INFO : Priority.WARNING, "command",
                "argv", String.join(" ", r.argv()), "exit", r.exitCode(), "duration_ms", r.duration().toMillis(),
                // A removal (StartupRemnants) says why it was made, whatever it did; other commands' output on failure.
                "output", r.ok() && (r.argv().isEmpty() || !"unlink".equals(r.argv().get(0))) ? null : r.outputTail()),
                group);
        PostgresClusterSettings pg = cfg.cluster().postgres().orElseThrow();
        OldPrimaryProbe peerProbe = new OldPrimaryProbe(pg.replicationUser(), password(pg), pg.probeTimeout());
        // Every data node's PostgreSQL listens on the same port as ours (documented in docs/configuration.md).
        Map<String, Upstream> upstreams = new HashMap<>();
        for (NodeSpec n : cfg.voters()) {
            if (n.role() == NodeRole.DATA && !n.name().equals(cfg.node().name())) {
                upstreams.put(n.name(), new Upstream(n.address(), settings.port()));
            }
        }
        PostgresAgent agent = new PostgresAgent(postgres, new PgProbe(settings), group, peerProbe, upstreams, loop, clock, log);
        // by then PostgreSQL usually runs here, so the warm-up goes through authentication too
        agent.warmUpPeerProbe(new Upstream(cfg.self().address(), settings.port()), Duration.ofSeconds(10));
        return agent;
    }

    public static Duration probeInterval(VigilConfig cfg) {
        return cfg.cluster().postgres().orElseThrow().probeInterval();
    }

    private static Optional<String> password(PostgresClusterSettings pg) {
        return pg.replicationPasswordFile().map(f -> {
            try {
                return Files.readString(f, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + f + ": " + e.getMessage(), e);
            }
        });
    }
}
