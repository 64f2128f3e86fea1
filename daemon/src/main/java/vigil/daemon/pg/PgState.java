package vigil.daemon.pg;

import java.util.List;

/**
 * The result of one probe. When {@code reachable} is false only {@code error} is meaningful (why: timeout,
 * refused, auth, ...). LSNs are bytes since 0/0 and 0 where not applicable: {@code currentLsn} on a primary
 * ({@code pg_current_wal_flush_lsn()}), {@code receiveLsn}/{@code replayLsn} on a standby.
 */
public record PgState(boolean reachable, String error, PgRole role, long timeline, long currentLsn, long receiveLsn,
                      long replayLsn, boolean walReceiverStreaming, List<ReplicaRow> replicas, String synchronousStandbyNames) {
    public PgState {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }

    static PgState unreachable(String error) {
        return new PgState(false, error, null, 0, 0, 0, 0, false, List.of(), null);
    }
}
