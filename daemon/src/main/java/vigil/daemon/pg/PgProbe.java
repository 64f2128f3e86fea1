package vigil.daemon.pg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Asks the local PostgreSQL what it is, in one round trip over one dedicated pgjdbc connection on the Unix
 * socket (peer authentication as the superuser through vigil's pg_ident map: no password). Invariant: a
 * PostgreSQL that does not answer within {@code probeTimeout} reads as unreachable; it never blocks longer
 * than about that (a frozen server still completes TCP handshakes, so the connect timeout alone is not
 * enough: the login and network timeouts are what catch it). Any failure drops the connection; the next
 * probe reconnects.
 */
public final class PgProbe implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Role, timeline, WAL positions, receiver state and replicas; branches keep primary-only functions off standbys. */
    static final String QUERY = """
            SELECT r.standby,
              CASE WHEN r.standby
                THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
                ELSE ('x' || substr(pg_walfile_name(pg_current_wal_flush_lsn()), 1, 8))::bit(32)::bigint END AS timeline,
              CASE WHEN NOT r.standby THEN pg_current_wal_flush_lsn()::text END AS current_lsn,
              CASE WHEN r.standby THEN pg_last_wal_receive_lsn()::text END AS receive_lsn,
              CASE WHEN r.standby THEN pg_last_wal_replay_lsn()::text END AS replay_lsn,
              coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false) AS streaming,
              CASE WHEN NOT r.standby THEN (SELECT json_agg(json_build_object('application_name', application_name,
                  'state', state, 'sync_state', sync_state, 'sent', sent_lsn::text, 'flush', flush_lsn::text,
                  'replay', replay_lsn::text) ORDER BY application_name) FROM pg_stat_replication)::text END AS replicas,
              current_setting('synchronous_standby_names') AS sync_names
            FROM (SELECT pg_is_in_recovery() AS standby) r""";

    private final PgSettings settings;
    private Connection connection;

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
            return PgState.unreachable(frozen);
        }
        boolean reused = connection != null;
        PgState s = attempt();
        if (!s.reachable() && reused && !s.error().startsWith("timeout")) {
            s = attempt();
        }
        return s;
    }

    private PgState attempt() {
        try {
            if (connection == null) {
                connection = connect();
            }
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
                if (!rs.next()) {
                    throw new SQLException("the probe query returned no row");
                }
                boolean standby = rs.getBoolean("standby");
                return new PgState(true, null, standby ? PgRole.STANDBY : PgRole.PRIMARY, rs.getLong("timeline"),
                        Lsn.parse(rs.getString("current_lsn")), Lsn.parse(rs.getString("receive_lsn")),
                        Lsn.parse(rs.getString("replay_lsn")), rs.getBoolean("streaming"),
                        replicas(rs.getString("replicas")), rs.getString("sync_names"));
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            return PgState.unreachable(describe(e));
        }
    }

    private Connection connect() throws SQLException {
        long timeoutMs = Math.max(1, settings.probeTimeout().toMillis());
        int wholeSeconds = (int) Math.max(1, (timeoutMs + 999) / 1000);
        Properties p = new Properties();
        p.setProperty("user", settings.superuser());
        p.setProperty("ApplicationName", "vigil-probe");
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

    private static List<ReplicaRow> replicas(String json) {
        List<ReplicaRow> rows = new ArrayList<>();
        if (json == null) {
            return rows;
        }
        try {
            for (JsonNode n : JSON.readTree(json)) {
                rows.add(new ReplicaRow(text(n, "application_name"), text(n, "state"), text(n, "sync_state"),
                        Lsn.parse(text(n, "sent")), Lsn.parse(text(n, "flush")), Lsn.parse(text(n, "replay"))));
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable replica list from PostgreSQL: " + e.getMessage(), e);
        }
        return rows;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** "timeout: ...", "refused: ...", "auth: ...", "not accepting connections: ..." or the driver's own message. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "timeout: " + t.getMessage();
            }
            if (t instanceof ConnectException) {
                return "refused: " + t.getMessage();
            }
        }
        if (e instanceof SQLException s && s.getSQLState() != null) {
            String state = s.getSQLState();
            if (state.startsWith("28")) {
                return "auth: " + s.getMessage();
            }
            if (state.equals("57P03") || state.equals("57P01")) {
                return "not accepting connections: " + s.getMessage();
            }
            if (state.equals("08001") && s.getMessage() != null && s.getMessage().contains("timed out")) {
                return "timeout: " + s.getMessage();
            }
        }
        return String.valueOf(e.getMessage());
    }

    private void closeConnection() {
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
