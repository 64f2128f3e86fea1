package vigil.daemon.ha;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import vigil.core.ha.PeerPg;

/**
 * Asks another node's PostgreSQL directly whether it could take writes, over the network, as the replication
 * role (which vigil's pg_hba block admits to the {@code postgres} database from the data nodes).
 *
 * <p>Only three answers matter to the core: it answered as a primary (WRITABLE), it answered as a standby or
 * refused the connection — the host is up and PostgreSQL is not running — (NOT_WRITABLE), or nothing came back in
 * time (UNREACHABLE). Any other answer (authentication failure, an unexpected error from a live server) is reported
 * as WRITABLE: a server that answers and cannot be shown to be read-only must be assumed to take writes.
 */
final class OldPrimaryProbe {
    private final String user;
    private final Optional<String> password;
    private final Duration timeout;

    OldPrimaryProbe(String user, Optional<String> password, Duration timeout) {
        this.user = user;
        this.password = password;
        this.timeout = timeout;
    }

    PeerPg probe(String host, int port) {
        Properties p = new Properties();
        p.setProperty("user", user);
        password.ifPresent(pw -> p.setProperty("password", pw));
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        p.setProperty("connectTimeout", Integer.toString(seconds));
        p.setProperty("loginTimeout", Double.toString(timeout.toMillis() / 1000.0));
        p.setProperty("socketTimeout", Integer.toString(seconds));
        p.setProperty("ApplicationName", "vigil-peer-probe");
        p.setProperty("sslmode", "prefer");
        p.setProperty("preferQueryMode", "simple");
        String url = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/postgres";
        try (Connection c = new org.postgresql.Driver().connect(url, p); Statement st = c.createStatement()) {
            st.setQueryTimeout(seconds);
            try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                return rs.getBoolean(1) ? PeerPg.NOT_WRITABLE : PeerPg.WRITABLE;
            }
        } catch (SQLException e) {
            return classify(e);
        }
    }

    static PeerPg classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException && String.valueOf(t.getMessage()).contains("refused")) {
                return PeerPg.NOT_WRITABLE; // the host answered: nothing listens on the PostgreSQL port
            }
            if (t instanceof SocketTimeoutException || t instanceof NoRouteToHostException
                    || t instanceof ConnectException) {
                return PeerPg.UNREACHABLE;
            }
        }
        String state = e instanceof SQLException s ? s.getSQLState() : null;
        if ("57P03".equals(state)) return PeerPg.NOT_WRITABLE; // the database system is starting up / shutting down
        if (state != null && state.startsWith("08")) return PeerPg.UNREACHABLE;
        return PeerPg.WRITABLE;
    }
}
