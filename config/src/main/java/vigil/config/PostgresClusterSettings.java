package vigil.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code cluster.postgres:} section, defaults applied. Present exactly when {@code node.postgres} is,
 * so a node with this section always knows where its own PostgreSQL lives.
 *
 * @param replicationSlots     every data node keeps a physical replication slot for each other one
 * @param maxSlotWalKeepBytes  PostgreSQL's max_slot_wal_keep_size: the most WAL a slot holds for an absent standby
 */
public record PostgresClusterSettings(String replicationUser, Optional<Path> replicationPasswordFile, String superuser,
                                      boolean synchronous, long maxLagOnFailoverBytes, int migrationThreshold,
                                      Duration failureTimeout, boolean failoverWithoutFencing,
                                      Duration probeInterval, Duration probeTimeout, boolean replicationSlots,
                                      long maxSlotWalKeepBytes) {
    public static final long DEFAULT_MAX_SLOT_WAL_KEEP = 1L << 30;

    /** With the default replication slots (on, 1 GB). */
    public PostgresClusterSettings(String replicationUser, Optional<Path> replicationPasswordFile, String superuser,
                                   boolean synchronous, long maxLagOnFailoverBytes, int migrationThreshold,
                                   Duration failureTimeout, boolean failoverWithoutFencing,
                                   Duration probeInterval, Duration probeTimeout) {
        this(replicationUser, replicationPasswordFile, superuser, synchronous, maxLagOnFailoverBytes, migrationThreshold,
                failureTimeout, failoverWithoutFencing, probeInterval, probeTimeout, true, DEFAULT_MAX_SLOT_WAL_KEEP);
    }
}
