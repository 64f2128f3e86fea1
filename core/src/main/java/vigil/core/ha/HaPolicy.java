package vigil.core.ha;

/**
 * The cluster's PostgreSQL policy, from the config (cluster.postgres), identical on every node.
 *
 * @param maxLagBytes            a standby further behind the primary than this is not a candidate
 * @param synchronous            only a standby named in the record's synchronous set may be promoted
 * @param migrationThreshold     local restarts of a crashed primary allowed within {@code failureTimeoutMs}
 * @param failoverWithoutFencing promote even when the old primary can be neither reached nor fenced (risk accepted)
 * @param selfFenceMarginMs      a leader stops its writable PostgreSQL this long before its lease ends
 * @param reclaimWindowMs        after a restart, how long a node whose PostgreSQL still runs as the recorded primary
 *                               keeps it running while it tries to regain leadership (vigild crashed, PostgreSQL fine)
 * @param fenceable              the nodes whose hosts fence agents can turn off
 * @param standbyStallMs         a standby that does not stream from the primary for this long is rewound
 */
public record HaPolicy(long maxLagBytes, boolean synchronous, int migrationThreshold, long failureTimeoutMs,
                       boolean failoverWithoutFencing, long selfFenceMarginMs, long reclaimWindowMs,
                       long standbyStallMs, java.util.Set<String> fenceable) {
    public HaPolicy {
        if (migrationThreshold < 1) throw new IllegalArgumentException("migrationThreshold < 1");
        if (selfFenceMarginMs < 0) throw new IllegalArgumentException("selfFenceMarginMs < 0");
        fenceable = fenceable == null ? java.util.Set.of() : java.util.Set.copyOf(fenceable);
    }

    /** The same policy with another self-fence margin. */
    public HaPolicy withSelfFenceMarginMs(long margin) {
        return new HaPolicy(maxLagBytes, synchronous, migrationThreshold, failureTimeoutMs, failoverWithoutFencing,
                margin, reclaimWindowMs, standbyStallMs, fenceable);
    }

    /** Without fence agents. */
    public HaPolicy(long maxLagBytes, boolean synchronous, int migrationThreshold, long failureTimeoutMs,
                    boolean failoverWithoutFencing, long selfFenceMarginMs, long reclaimWindowMs, long standbyStallMs) {
        this(maxLagBytes, synchronous, migrationThreshold, failureTimeoutMs, failoverWithoutFencing, selfFenceMarginMs,
                reclaimWindowMs, standbyStallMs, java.util.Set.of());
    }
}
