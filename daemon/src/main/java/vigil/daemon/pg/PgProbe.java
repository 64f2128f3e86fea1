package vigil.daemon.pg;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import vigil.daemon.pg.PgState.Failure;

/**
 * Asks the local PostgreSQL what it is, in one round trip over one dedicated pgjdbc connection on the Unix
 * socket (peer authentication as the superuser through vigil's pg_ident map: no password). Invariant: a
 * PostgreSQL that does not answer within {@code probeTimeout} reads as unreachable; it never blocks longer
 * than about that (a frozen server still completes TCP handshakes, so the connect timeout alone is not
 * enough: the login and network timeouts are what catch it). Any failure drops the connection; the next
 * probe reconnects.
 *
 * <p>What does not change while a connection lasts is read once per connection, inside the same single query: the
 * system identifier (it never changes for a running server) and, for a primary, the fork point of its timeline
 * (read from {@code pg_wal/<TLI>.history} with pg_read_file, only when the timeline differs from the last one
 * read). pg_stat_replication is not read by the probe; {@link #replicas()} asks for it on demand.
 */
public final class PgProbe implements AutoCloseable {
    /** The startup process's wait events once it has replayed all WAL it has and waits for more (PostgreSQL 15). */
    static final Set<String> WAITING_FOR_WAL = Set.of("RecoveryRetrieveRetryInterval", "RecoveryWalStream");

    /**
     * The probe query; {@code %NEED_SYSTEM_ID%} and {@code %KNOWN_TIMELINE%} are replaced by literals. Branches keep
     * primary-only functions off standbys.
     *
     * <p>A standby's timeline must belong to the position it is reported with, or a healthy standby reads as diverged
     * (a timeline older than the primary's, at an LSN past the fork). The WAL receiver's row pairs them while it runs.
     * Without it (restarting at a timeline switch, or the primary gone) the timeline is the highest one of the WAL
     * segment files that hold the position: the receiver writes each segment under the timeline it streams, so a
     * standby that crossed onto the new timeline has that segment under it, and one that received the old timeline
     * past the fork has it only under the old one. The last checkpoint's timeline, which lags until the next
     * restartpoint, is the fallback only when no file holds the position.
     *
     * <p>The startup process's wait event is read before the positions (PostgreSQL evaluates the select list in
     * order): a wait for WAL says that everything local was replayed at that instant, and positions read after it
     * are at least that far. Read after them, it could follow a replay that ran on between the two readings and
     * make an old replay position look like the end of the WAL (PgProbeFactsIT saw a standby report as known the
     * position it had before replaying 640 kB of its own WAL).
     */
    static final String QUERY = """
            WITH r AS (SELECT pg_is_in_recovery() AS standby),
            t AS (SELECT r.standby, CASE WHEN r.standby
                THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver WHERE received_tli > 0),
                  (SELECT max(('x' || substr(f.name, 1, 8))::bit(32)::bigint) FROM pg_ls_waldir() f
                    WHERE length(f.name) >= 24 AND substr(f.name, 9, 16) = (
                      SELECT lpad(upper(to_hex(div(div(p.pos - 1, z.size), div(4294967296, z.size))::bigint)), 8, '0')
                        || lpad(upper(to_hex(mod(div(p.pos - 1, z.size), div(4294967296, z.size))::bigint)), 8, '0')
                      FROM (SELECT greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) - '0/0'::pg_lsn AS pos) p,
                        (SELECT setting::numeric AS size FROM pg_settings WHERE name = 'wal_segment_size') z
                      WHERE p.pos > 0)),
                  (SELECT timeline_id FROM pg_control_checkpoint()))
                ELSE ('x' || substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8))::bit(32)::bigint END AS timeline
              FROM r)
            SELECT t.standby, t.timeline,
              CASE WHEN t.standby THEN (SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'startup' LIMIT 1) END AS startup_wait,
              CASE WHEN NOT t.standby THEN pg_current_wal_flush_lsn()::text END AS current_lsn,
              CASE WHEN t.standby THEN pg_last_wal_receive_lsn()::text END AS receive_lsn,
              CASE WHEN t.standby THEN pg_last_wal_replay_lsn()::text END AS replay_lsn,
              coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false) AS streaming,
              (SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming') AS sender_host,
              (SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming') AS sender_port,
              CASE WHEN %NEED_SYSTEM_ID% THEN (SELECT system_identifier FROM pg_control_system())::text END AS system_id,
              CASE WHEN NOT t.standby AND t.timeline > 1 AND t.timeline <> %KNOWN_TIMELINE%
                THEN coalesce(pg_read_file('pg_wal/' || lpad(upper(to_hex(t.timeline)), 8, '0') || '.history', 0, 1048576, true), '')
                END AS history,
              current_setting('synchronous_standby_names') AS sync_names,
              current_setting('synchronous_commit') AS sync_commit
            FROM t""";

    static final String REPLICAS = "SELECT application_name, state, sync_state, sent_lsn::text, flush_lsn::text,"
            + " replay_lsn::text FROM pg_stat_replication ORDER BY application_name";

    private final PgSettings settings;
    private Connection connection;
    /** What the last probe found PostgreSQL to be; null when it did not answer. */
    private volatile PgRole lastRole;
    /** Of the current connection: 0 until read. */
    private long systemId;
    /** Of the current connection: the primary timeline whose history was last read (-1: none yet). */
    private long knownTimeline = -1;
    private Optional<ForkPoint> forkPoint = Optional.empty();
    /** How often a history file was read (for tests: once per timeline and connection). */
    int historyReads;

    public PgProbe(PgSettings s) {
        this.settings = s;
    }

    /**
     * One probe; never throws. A connection that was already open and fails other than by timing out (the
     * server restarted or stopped since the last probe) is replaced once within the same probe, so a restart
     * does not read as a spurious outage and a stopped server reads as "refused".
     */
    public synchronized PgState probe() {
        String frozen = stoppedPostmaster();
        if (frozen != null) {
            lastRole = null;
            return PgState.unreachable(Failure.TIMEOUT, frozen);
        }
        boolean reused = connection != null;
        PgState s = attempt();
        if (!s.reachable() && reused && s.failure() != Failure.TIMEOUT) {
            s = attempt();
        }
        lastRole = s.reachable() ? s.role() : null;
        return s;
    }

    /** The probe query with this connection's cached facts filled in. */
    String query() {
        return QUERY.replace("%NEED_SYSTEM_ID%", systemId == 0 ? "true" : "false")
                .replace("%KNOWN_TIMELINE%", Long.toString(knownTimeline));
    }

    private PgState attempt() {
        try {
            if (connection == null) {
                connection = connect();
            }
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(query())) {
                if (!rs.next()) {
                    throw new SQLException("the probe query returned no row");
                }
                return read(rs);
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            return failed(e);
        }
    }

    private PgState read(ResultSet rs) throws SQLException {
        boolean standby = rs.getBoolean("standby");
        long timeline = rs.getLong("timeline");
        String sysid = rs.getString("system_id");
        if (sysid != null) {
            systemId = Long.parseLong(sysid); // bigint: the unsigned identifier's bits, as in ControlData
        }
        String history = rs.getString("history");
        if (history != null) {
            historyReads++;
            knownTimeline = timeline;
            forkPoint = history.isEmpty() ? Optional.empty() : ForkPoint.lastOf(history);
        } else if (!standby && timeline <= 1) {
            knownTimeline = timeline;
            forkPoint = Optional.empty();
        }
        String receiveText = rs.getString("receive_lsn");
        long current = Lsn.parse(rs.getString("current_lsn"));
        long receive = Lsn.parse(receiveText);
        long replay = Lsn.parse(rs.getString("replay_lsn"));
        String waitEvent = rs.getString("startup_wait");
        long position = standby ? Math.max(receive, replay) : current;
        boolean known = !standby || receiveText != null || WAITING_FOR_WAL.contains(waitEvent);
        return new PgState(true, Failure.NONE, null, standby ? PgRole.STANDBY : PgRole.PRIMARY, systemId, timeline,
                current, receive, replay, position, known, waitEvent, rs.getBoolean("streaming"), sender(rs),
                standby ? Optional.empty() : forkPoint, rs.getString("sync_names"), rs.getString("sync_commit"));
    }

    /** The WAL receiver's server as pg_stat_wal_receiver names it; null when not streaming or not said. */
    private static Upstream sender(ResultSet rs) throws SQLException {
        String host = rs.getString("sender_host");
        int port = rs.getInt("sender_port");
        if (host == null || rs.wasNull()) return null;
        try {
            return new Upstream(host, port);
        } catch (IllegalArgumentException e) {
            return null; // not a server vigil could have configured: no member's address
        }
    }

    /**
     * The primary's pg_stat_replication, on demand (for status and tests; the core needs none of it on every probe),
     * on the probe's connection. Empty when it could not be asked; an empty list on a standby.
     */
    public synchronized Optional<List<ReplicaRow>> replicas() {
        try {
            if (connection == null) {
                connection = connect();
            }
            List<ReplicaRow> rows = new ArrayList<>();
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(REPLICAS)) {
                while (rs.next()) {
                    rows.add(new ReplicaRow(rs.getString(1), rs.getString(2), rs.getString(3), Lsn.parse(rs.getString(4)),
                            Lsn.parse(rs.getString(5)), Lsn.parse(rs.getString(6))));
                }
            }
            return Optional.of(rows);
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            return Optional.empty();
        }
    }

    /** What the last probe found PostgreSQL to be; null when it did not answer (or before the first probe). */
    public PgRole lastRole() {
        return lastRole;
    }

    /**
     * Brings this node's replication slots to what they should be for its role ({@link ReplicationSlots}), on the
     * probe's connection: two short statements. Returns what changed ("dropped 1, made 2"), "" when nothing did, or the
     * error; never throws.
     */
    public synchronized String keepSlots(boolean primary) {
        ReplicationSlots slots = settings.slots();
        if (!slots.enabled()) return "";
        try {
            if (connection == null) connection = connect();
            long dropped = 0;
            String lost = "";
            long made;
            try (Statement st = connection.createStatement()) {
                try (ResultSet rs = st.executeQuery(slots.dropStatement(primary))) {
                    if (rs.next()) {
                        dropped = rs.getLong(1);
                        lost = rs.getString(2);
                    }
                }
                try (ResultSet rs = st.executeQuery(slots.makeStatement(primary))) {
                    made = rs.next() ? rs.getLong(1) : 0;
                }
            }
            return dropped == 0 && made == 0 ? "" : "dropped " + dropped + ", made " + made + (lost.isEmpty() ? ""
                    : "; dropped because PostgreSQL invalidated them (their standby fell more than max_slot_wal_keep_size"
                    + " behind; made again if still wanted; that standby is copied anew once it finds its WAL gone): " + lost);
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            return "failed: " + e.getMessage();
        }
    }

    private Connection connect() throws SQLException {
        return connect(settings, "vigil-probe", Math.max(1, settings.probeTimeout().toMillis()));
    }

    /**
     * A pgjdbc connection over the Unix socket as the superuser (peer authentication through vigil's ident map), every
     * read and write bounded by {@code timeoutMs}; an interrupt of the thread blocked in it aborts it. The probe keeps
     * one; the driver opens one for each statement on the failover's path ({@link PgCommands#execute}).
     */
    static Connection connect(PgSettings settings, String applicationName, long timeoutMs) throws SQLException {
        int wholeSeconds = (int) Math.max(1, (timeoutMs + 999) / 1000);
        Properties p = new Properties();
        p.setProperty("user", settings.superuser());
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", Integer.toString(wholeSeconds)); // pgjdbc: whole seconds only
        p.setProperty("loginTimeout", Double.toString(timeoutMs / 1000.0)); // fractional seconds allowed
        p.setProperty("socketTimeout", Integer.toString(wholeSeconds)); // bounds the login thread left behind on timeout
        p.setProperty("sslmode", "disable");
        p.setProperty("gssEncMode", "disable");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "15");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("socketFactory", UnixSocketFactory.class.getName());
        p.setProperty("socketFactoryArg", socketFile(settings).toString());
        // host and port only label the connection: the socket factory connects to the Unix socket
        String url = "jdbc:postgresql://" + PostgresFiles.LOOPBACK + ":" + settings.port() + "/postgres";
        Connection c = new org.postgresql.Driver().connect(url, p);
        if (c == null) {
            throw new SQLException("pgjdbc did not accept " + url);
        }
        try {
            c.setNetworkTimeout(Runnable::run, (int) timeoutMs); // milliseconds, unlike socketTimeout
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Why the postmaster cannot accept connections although our own backend may still answer: it is stopped
     * (SIGSTOP, state T/t in /proc). A connection opened earlier is served by its own backend process, so only
     * this local look at the postmaster (from postmaster.pid; no extra round trip) tells the probe that new
     * clients would hang. Null when the postmaster is not known to be stopped (the query decides the rest).
     */
    private String stoppedPostmaster() {
        try {
            List<String> pidFile = java.nio.file.Files.readAllLines(settings.dataDir().resolve("postmaster.pid"));
            if (pidFile.isEmpty()) {
                return null;
            }
            long pid = Long.parseLong(pidFile.get(0).trim());
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'T' || state == 't'
                    ? "timeout: the postmaster (pid " + pid + ") is stopped and accepts no connections" : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null; // no pid file or no such process: the query will tell (refused)
        }
    }

    /** PostgreSQL's Unix socket file for this port. */
    static java.nio.file.Path socketFile(PgSettings s) {
        return s.socketDir().resolve(".s.PGSQL." + s.port());
    }

    /** The failure kind and its text ("timeout: ...", "refused: ...", "auth: ...", ...) of a failed probe. */
    static PgState failed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return PgState.unreachable(Failure.TIMEOUT, "timeout: " + t.getMessage());
            }
            if (t instanceof ConnectException) {
                return PgState.unreachable(Failure.REFUSED, "refused: " + t.getMessage());
            }
        }
        if (e instanceof SQLException s && s.getSQLState() != null) {
            String state = s.getSQLState();
            if (state.startsWith("28")) {
                return PgState.unreachable(Failure.AUTH, "auth: " + s.getMessage());
            }
            if (state.equals("57P03") || state.equals("57P01")) {
                return PgState.unreachable(Failure.STARTING_OR_STOPPING, "not accepting connections: " + s.getMessage());
            }
            if (state.equals("53300")) {
                return PgState.unreachable(Failure.TOO_MANY, "too many clients: " + s.getMessage());
            }
            if (state.equals("08001") && s.getMessage() != null && s.getMessage().contains("timed out")) {
                return PgState.unreachable(Failure.TIMEOUT, "timeout: " + s.getMessage());
            }
        }
        return PgState.unreachable(Failure.OTHER, String.valueOf(e.getMessage()));
    }

    private void closeConnection() {
        systemId = 0;
        knownTimeline = -1;
        forkPoint = Optional.empty();
        if (connection != null) {
            try {
                connection.abort(Runnable::run); // close() could wait on a frozen server
            } catch (SQLException | RuntimeException e) {
                // the connection is unusable either way
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }
}
