/**
 * The PostgreSQL 15 driver: carries out what the core decided (initialise, clone, configure as primary or
 * standby, start, stop, promote, checkpoint, rewind, set synchronous_standby_names) and reports what the local server is
 * ({@link vigil.daemon.pg.PgProbe}). It decides nothing.
 *
 * <p>Choices the rest of vigil relies on:
 * <ul>
 * <li>Settings: vigil writes only {@code <data_dir>/vigil.conf}, included by one {@code include_if_exists} line at
 *     the end of {@code postgresql.conf} (relative when config_dir is the data dir, so copies by pg_basebackup
 *     and pg_rewind keep naming the local file), plus one marked block at the top of pg_hba.conf and pg_ident.conf.
 * <li>Authentication: the probe and psql use the Unix socket with peer authentication, the OS user and the
 *     daemon's user (root) mapped to the superuser; standbys and pg_rewind authenticate as the replication role
 *     from the data nodes' addresses only (scram-sha-256 when a password file is configured, else trust).
 * <li>Secrets: the replication password reaches PostgreSQL's tools only through pgpass files of mode 0600 owned
 *     by the OS user; it is masked in every {@link vigil.daemon.pg.CommandResult}.
 * <li>Processes: every command runs as the OS user ({@code runuser -u USER --} from root), with a timeout after
 *     which it and its descendants are killed by PID; output goes to a temp file, never a pipe a daemon could hold.
 *     The one file vigild reads for itself instead of a program's answer is {@code global/pg_control}
 *     ({@link vigil.daemon.pg.ControlFile}, in the layout it knows and only with a matching CRC; else pg_controldata).
 * <li>Probe: one round trip per probe on one connection; a stopped postmaster is seen at once through /proc (an
 *     open connection's backend would still answer), a frozen backend through the network timeout, a frozen
 *     server on reconnect through the login timeout: all within about {@code probe_timeout}. It reports the system
 *     identifier, a standby's held WAL position and whether that position is known, a primary's fork point and the
 *     effective synchronous settings; a failure has a type ({@link vigil.daemon.pg.PgState.Failure}).
 * <li>No data destroyed: initdb only when the caller allows it; clone and pg_rewind compare system identifiers
 *     first and refuse another system; a clone keeps the old directory aside; a data directory that pg_rewind left
 *     half-rewritten is never started. Failures are typed ({@link vigil.daemon.pg.CommandResult.Failure}), so the
 *     core tells "retry later" from "only a re-clone can repair this" from "refuse, an operator must look".
 * <li>Cancelling: the caller interrupts the action thread; the running command is killed, nothing further starts,
 *     and the interrupt stays set.
 * </ul>
 */
package vigil.daemon.pg;
