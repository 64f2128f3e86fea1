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
import vigil.core.ha.HaObservation;
import vigil.core.ha.HaPolicy;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.PgProbe;
import vigil.daemon.pg.PgSettings;
import vigil.daemon.pg.Postgres;
import vigil.daemon.pg.Upstream;

/** Builds the PostgreSQL side of vigild from the config: the core's policy and the agent that acts for it. */
public final class Supervised {
    /**
     * How long a restarted recorded primary keeps its still-serving PostgreSQL while it regains leadership: the
     * no-vote window after boot, the hand-back by the current leader and a retried election fit well inside.
     */
    static final int RECLAIM_LEASES = 6;

    private Supervised() {}

    /**
     * The policy, identical on every node because it comes from the cluster section. The self-fence margin is three
     * heartbeats: a healthy leader renews its lease every heartbeat, so three missed ones mean trouble, and a stop
     * (immediate shutdown) takes well under the remaining lease.
     */
    public static HaPolicy policy(VigilConfig cfg) {
        PostgresClusterSettings pg = cfg.cluster().postgres().orElseThrow();
        long heartbeat = cfg.cluster().timing().heartbeatInterval().toMillis();
        long lease = cfg.cluster().timing().lease().toMillis();
        return new HaPolicy(pg.maxLagOnFailoverBytes(), pg.synchronous(), pg.migrationThreshold(),
                pg.failureTimeout().toMillis(), pg.failoverWithoutFencing(), 3 * heartbeat, RECLAIM_LEASES * lease, 10_000);
    }

    public static PostgresAgent agent(VigilConfig cfg, Consumer<HaObservation> loop, LongSupplier clock, Log log) {
        PgSettings settings = PgSettings.from(cfg);
        Postgres postgres = new Postgres(settings, r -> log.event(r.ok() ? Priority.INFO : Priority.WARNING, "command",
                "argv", String.join(" ", r.argv()), "exit", r.exitCode(), "duration_ms", r.duration().toMillis(),
                "output", r.ok() ? null : r.outputTail()));
        PostgresClusterSettings pg = cfg.cluster().postgres().orElseThrow();
        OldPrimaryProbe peerProbe = new OldPrimaryProbe(pg.replicationUser(), password(pg), pg.probeTimeout());
        // Every data node's PostgreSQL listens on the same port as ours (documented in docs/configuration.md).
        Map<String, Upstream> upstreams = new HashMap<>();
        for (NodeSpec n : cfg.voters()) {
            if (n.role() == NodeRole.DATA && !n.name().equals(cfg.node().name())) {
                upstreams.put(n.name(), new Upstream(n.address(), settings.port()));
            }
        }
        return new PostgresAgent(postgres, new PgProbe(settings), peerProbe, upstreams, loop, clock, log);
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
