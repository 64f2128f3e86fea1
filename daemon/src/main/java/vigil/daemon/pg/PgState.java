package vigil.daemon.pg;

import java.util.Optional;

/**
 * The result of one probe of the local PostgreSQL. When {@code reachable} is false only {@code failure} and
 * {@code error} are meaningful. LSNs are bytes since 0/0, 0 where not applicable.
 *
 * @param failure why it is unreachable ({@link Failure#NONE} when reachable)
 * @param error the reason as text: "timeout: ...", "refused: ...", "auth: ...", "not accepting connections: ...",
 *              "too many clients: ..." or the driver's own message; null when reachable
 * @param systemId {@code pg_control_system().system_identifier} (unsigned, held in a long); read once per connection
 * @param currentLsn a primary's {@code pg_current_wal_flush_lsn()}
 * @param receiveLsn a standby's {@code pg_last_wal_receive_lsn()}: WAL flushed by its walreceiver since this server
 *                   started. Not null does not mean that the walreceiver ever connected: when the startup process
 *                   first asks for streaming (after it replayed all local WAL) it is set to the start of the
 *                   segment it asks for, which is at or behind the replay position
 * @param replayLsn a standby's {@code pg_last_wal_replay_lsn()}
 * @param position how much WAL this server holds durably: a primary's flush LSN; a standby's greatest of receive and
 *                 replay LSN
 * @param positionKnown whether {@code position} is the end of the WAL this server holds. Always for a primary. For a
 *                 standby: when the receive LSN is set (flushed WAL, or streaming requested after all local WAL was
 *                 replayed; either stays valid after the primary is gone), or when its startup process waits for new
 *                 WAL ({@code RecoveryRetrieveRetryInterval}, {@code RecoveryWalStream}), which it does only once it
 *                 replayed everything in pg_wal. Otherwise (e.g. just restarted, still replaying local WAL, or
 *                 delayed by recovery_min_apply_delay) pg_wal may hold more than {@code position}, and pg_controldata
 *                 cannot tell how much (see {@link ControlData})
 * @param startupWaitEvent the standby's startup process's {@code wait_event} in pg_stat_activity (null: none, or a primary)
 * @param walSender the server a standby's WAL receiver streams from ({@code sender_host}, {@code sender_port} of
 *                  pg_stat_wal_receiver: the host as its conninfo names it), null when it does not stream or the
 *                  view does not say (a role without pg_read_all_stats sees no details; a host that is no valid
 *                  {@link Upstream})
 * @param forkPoint a primary on timeline &gt; 1: where its timeline forked off its parent (last line of its history file)
 * @param synchronousStandbyNames {@code current_setting('synchronous_standby_names')} as in effect for the probe's session
 * @param synchronousCommit {@code current_setting('synchronous_commit')} as in effect for the probe's session
 */
public record PgState(boolean reachable, Failure failure, String error, PgRole role, long systemId, long timeline,
                      long currentLsn, long receiveLsn, long replayLsn, long position, boolean positionKnown,
                      String startupWaitEvent, boolean walReceiverStreaming, Upstream walSender, Optional<ForkPoint> forkPoint,
                      String synchronousStandbyNames, String synchronousCommit) {
    /** Why the probe got no answer. Only a direct answer tells what PostgreSQL is; none of these proves it stopped. */
    public enum Failure {
        /** It answered. */
        NONE,
        /** Nothing listens (no socket file, or connection refused). */
        REFUSED,
        /** No answer within the probe timeout, or the postmaster is stopped (SIGSTOP). */
        TIMEOUT,
        /** 57P03 (starting up, shutting down, in crash recovery, not yet consistent) or 57P01 (terminated by a shutdown). */
        STARTING_OR_STOPPING,
        /** 28xxx: authentication or authorisation failed. */
        AUTH,
        /** 53300: too many connections. */
        TOO_MANY,
        /** Anything else. */
        OTHER
    }

    public PgState {
        forkPoint = forkPoint == null ? Optional.empty() : forkPoint;
        if (reachable != (failure == Failure.NONE)) {
            throw new IllegalArgumentException("reachable is " + reachable + " but failure is " + failure);
        }
    }

    /**
     * The postmaster has exited: whatever still answers on an open connection is an orphaned backend about to notice,
     * not a server (it must not be read as a running primary).
     */
    public static PgState postmasterGone() {
        return unreachable(Failure.REFUSED, "the postmaster has exited");
    }

    static PgState unreachable(Failure failure, String error) {
        return new PgState(false, failure, error, null, 0, 0, 0, 0, 0, 0, false, null, false, null, Optional.empty(), null, null);
    }
}
