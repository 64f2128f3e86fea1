package vigil.testkit.bench;

import vigil.testkit.PgOptions;

/**
 * {@link NodeCrash} with cluster.postgres.synchronous: true (vigild manages synchronous_standby_names); a failover
 * needs a proof as in every PostgreSQL scenario.
 */
final class NodeCrashSync extends NodeCrash {
    @Override
    public String name() {
        return "node-crash-sync";
    }

    @Override
    public String description() {
        return "node-crash in synchronous mode: no acknowledged write may be lost";
    }

    @Override
    PgOptions pgOptions() {
        return new PgOptions(true, false);
    }

    /** Synchronous mode cannot fail over yet (docs/benchmarks.md): by name only. */
    @Override
    public boolean inAll() {
        return false;
    }
}
