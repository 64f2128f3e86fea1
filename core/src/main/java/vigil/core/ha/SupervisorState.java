package vigil.core.ha;

import java.util.List;

/**
 * What the supervisor remembers between observations. Immutable.
 *
 * @param inFlight       the local action the driver is carrying out, or null; a new one waits for it (Stop excepted)
 * @param restarts       times of local restarts of a crashed primary (kept within failure_timeout)
 * @param probedNode     which node {@code probed} is about
 * @param needsRewind    this node's timeline may have forked from the primary's: it must pg_rewind before following
 * @param rewindFailed   pg_rewind failed once: the next attempt is a fresh clone
 * @param stalledSince   since when this standby has not been streaming from the primary (-1: streaming)
 * @param reason         the last reason logged, so each change is logged once
 * @param peerProbeAskedAt when a direct probe of the old primary was last asked for (probes are rate-limited)
 * @param ledSinceBoot   this process has held the lease at least once: from then on it always self-fences
 * @param selfStopped    the local PostgreSQL is down because this supervisor stopped it (not a crash)
 * @param appliedSync    the synchronous standbys PostgreSQL was last told to wait for (null: not set by this process)
 * @param seenUp         PostgreSQL answered since this process started it (or started): DOWN now means a crash
 * @param failedActions  consecutive failed actions; they are retried with a growing delay
 * @param retryAt        no new action before this instant (after a failure)
 */
public record SupervisorState(PgView view, PgAction inFlight, long inFlightSince, List<Long> restarts,
                              String probedNode, PeerPg probed, long probedAt, boolean needsRewind,
                              boolean rewindFailed, long bootAt, long stalledSince, HaReason reason,
                              long peerProbeAskedAt, boolean ledSinceBoot, boolean selfStopped,
                              List<String> appliedSync, int appliedSyncCount, boolean seenUp, int failedActions,
                              long retryAt) {
    public SupervisorState {
        restarts = List.copyOf(restarts);
        appliedSync = appliedSync == null ? null : List.copyOf(appliedSync);
    }

    public static SupervisorState boot(long now) {
        return new SupervisorState(PgView.UNKNOWN, null, 0, List.of(), null, null, 0, false, false, now, -1, null,
                Long.MIN_VALUE / 4, false, false, null, 0, false, 0, 0);
    }
}
