package vigil.daemon.ha;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.LongSupplier;
import javax.net.SocketFactory;

/**
 * Asks another node's PostgreSQL directly whether it could take writes, over the network, as the replication role
 * (which vigil's pg_hba block admits to the {@code postgres} database from the data nodes).
 *
 * <p>Only a direct answer counts: {@code pg_is_in_recovery()} true is {@link PeerAnswer.Kind#IN_RECOVERY}, false
 * is {@link PeerAnswer.Kind#WRITABLE}. Everything else is {@link PeerAnswer.Kind#UNKNOWN} with the reason, because
 * none of it proves that the server cannot write: a refused connection is what an nftables {@code reject} rule
 * returns in front of a live primary; a reset, a timeout or no route says nothing about the server; 57P03 is also a
 * primary in crash recovery, writable a moment later; an authentication failure or any other error comes from a
 * server that may well be a primary.
 *
 * <p>The deadline holds to the millisecond for the whole conversation (connect, TLS and authentication, query),
 * even against a host that never answers: pgjdbc's connectTimeout and socketTimeout take whole seconds and its
 * loginTimeout leaves a thread behind, so this probe connects through its own {@link DeadlineSockets}, whose
 * connect and every read are bounded by the time left. Give addresses, not names: name resolution is not bounded.
 */
final class OldPrimaryProbe {
    /**
     * One answer.
     *
     * @param detail why UNKNOWN (e.g. "refused: Connection refused", "timeout: ...", "57P03: the database system is
     *               starting up"), or what it answered
     * @param startedAtMonoMs when the probe started, on the monotonic clock the probe was given (the daemon's)
     * @param tookMs how long it took
     */
    record PeerAnswer(Kind kind, String detail, long startedAtMonoMs, long tookMs) {
        enum Kind { IN_RECOVERY, WRITABLE, UNKNOWN }
    }

    private final String user;
    private final Optional<String> password;
    private final Duration timeout;
    private final LongSupplier monoMs;

    /** @param timeout the default deadline, to the millisecond */
    OldPrimaryProbe(String user, Optional<String> password, Duration timeout) {
        this(user, password, timeout, () -> System.nanoTime() / 1_000_000);
    }

    OldPrimaryProbe(String user, Optional<String> password, Duration timeout, LongSupplier monoMs) {
        this.user = user;
        this.password = password;
        this.timeout = timeout;
        this.monoMs = monoMs;
    }

    PeerAnswer probe(String host, int port) {
        return probe(host, port, timeout);
    }

    PeerAnswer probe(String host, int port, Duration deadline) {
        long startedAt = monoMs.getAsLong();
        long t0 = System.nanoTime();
        long deadlineNanos = t0 + Math.max(1, deadline.toMillis()) * 1_000_000;
        PeerAnswer.Kind kind;
        String detail;
        Properties p = properties(deadlineNanos, "vigil-peer-probe");
        try (Connection c = new org.postgresql.Driver().connect(url(host, port), p); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            boolean inRecovery = rs.getBoolean(1);
            kind = inRecovery ? PeerAnswer.Kind.IN_RECOVERY : PeerAnswer.Kind.WRITABLE;
            detail = "pg_is_in_recovery() = " + inRecovery;
        } catch (SQLException | RuntimeException e) {
            kind = PeerAnswer.Kind.UNKNOWN;
            detail = reason(e);
        }
        return new PeerAnswer(kind, detail, startedAt, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Whether {@code host}:{@code port} removed the WAL from {@code lsn} on {@code timeline}, asked exactly as a
     * standby's WAL receiver asks: {@code START_REPLICATION PHYSICAL lsn TIMELINE tli} on a replication connection,
     * without a slot (nothing is reserved or moved on that server), as the replication role, within
     * {@code deadline}. Returns the server's own answer when it says the WAL is gone (SQLSTATE 58P01, "requested WAL
     * segment ... has already been removed": the walsender found no segment file for that position); null for
     * anything else: WAL arriving, no answer before the deadline (nothing to send yet), not in its history, any
     * other error. Never a conclusion from silence or a failed connection.
     */
    String walRemoved(String host, int port, long timeline, long lsn, Duration deadline) {
        long deadlineNanos = System.nanoTime() + Math.max(1, deadline.toMillis()) * 1_000_000;
        Properties p = properties(deadlineNanos, "vigil-wal-check");
        p.setProperty("replication", "true");
        String start = "START_REPLICATION PHYSICAL " + vigil.daemon.pg.Lsn.format(lsn) + " TIMELINE " + timeline;
        try (Connection c = new org.postgresql.Driver().connect(url(host, port), p)) {
            org.postgresql.copy.CopyDual stream = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI().copyDual(start);
            stream.readFromCopy(); // WAL (or a keepalive): it streams from there
            return null;
        } catch (SQLException e) {
            // 58P01 is any missing file (a timeline history file too): only the walsender's own words about the segment.
            String m = String.valueOf(e.getMessage());
            boolean removed = "58P01".equals(e.getSQLState()) && m.contains("requested WAL segment")
                    && m.contains("has already been removed");
            return removed ? e.getSQLState() + ": " + m.strip() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private Properties properties(long deadlineNanos, String applicationName) {
        Properties p = new Properties();
        p.setProperty("user", user);
        password.ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("socketFactory", DeadlineSockets.class.getName());
        p.setProperty("socketFactoryArg", Long.toString(deadlineNanos));
        p.setProperty("connectTimeout", "0"); // DeadlineSockets bounds connect and reads; no login thread
        p.setProperty("loginTimeout", "0");
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("sslmode", "prefer");
        p.setProperty("gssEncMode", "disable");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "15");
        return p;
    }

    private static String url(String host, int port) {
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/postgres";
    }

    /** Why no answer came: the kind of failure and the driver's message. Never a conclusion about the server. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) return "timeout: " + t.getMessage();
            if (t instanceof NoRouteToHostException) return "no route: " + t.getMessage();
            if (t instanceof ConnectException) return "refused: " + t.getMessage();
            if (t instanceof java.net.SocketException) return "connection lost: " + t.getMessage();
        }
        String state = e instanceof SQLException s ? s.getSQLState() : null;
        return (state == null ? "error" : state) + ": " + e.getMessage();
    }

    /**
     * pgjdbc's {@code socketFactory} for one probe ({@code socketFactoryArg}: the deadline as a
     * {@link System#nanoTime()} value; pgjdbc makes a new factory per connection). Connect waits only for the time
     * left, and every read through this socket's stream first sets SO_TIMEOUT to the time left, so no step outlives
     * the deadline. SO_TIMEOUT is also set to the time left right after connect, so a layer that might read the
     * socket by another way (TLS) still waits no longer than that per read.
     */
    public static final class DeadlineSockets extends SocketFactory {
        private final long deadlineNanos;

        public DeadlineSockets(String deadlineNanos) {
            this.deadlineNanos = Long.parseLong(deadlineNanos);
        }

        @Override
        public Socket createSocket() {
            return new DeadlineSocket(deadlineNanos);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            throw new java.net.SocketException("only unconnected sockets are supported");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            throw new java.net.SocketException("only unconnected sockets are supported");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            throw new java.net.SocketException("only unconnected sockets are supported");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            throw new java.net.SocketException("only unconnected sockets are supported");
        }
    }

    /**
     * A plain TCP socket whose connect and reads end at a fixed deadline. A shorter SO_TIMEOUT that pgjdbc asks for
     * (a 1 ms peek) is kept; a longer one, or none, becomes the time left.
     */
    static final class DeadlineSocket extends Socket {
        private final long deadlineNanos;
        private volatile int requestedMs;

        DeadlineSocket(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        /** Milliseconds left, at least 1 (0 would mean "no timeout" to java.net); throws once the deadline passed. */
        private int leftMs(String what) throws SocketTimeoutException {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(what + ": the probe's deadline has passed");
            }
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
            return requestedMs > 0 ? Math.min(requestedMs, ms) : ms;
        }

        @Override
        public void connect(SocketAddress endpoint, int ignored) throws IOException {
            int ms = leftMs("connect to " + endpoint);
            try {
                super.connect(endpoint, ms);
            } catch (SocketTimeoutException e) {
                // No measured time in the text: it becomes the cause of a logged reason, logged again only if it changes.
                throw new SocketTimeoutException("connect to " + endpoint + " timed out");
            }
            super.setSoTimeout(leftMs("connected to " + endpoint));
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public synchronized void setSoTimeout(int ms) throws java.net.SocketException {
            requestedMs = Math.max(0, ms);
            try {
                super.setSoTimeout(leftMs("set timeout"));
            } catch (SocketTimeoutException e) {
                super.setSoTimeout(1);
            }
        }

        @Override
        public InputStream getInputStream() throws IOException {
            InputStream in = super.getInputStream();
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    DeadlineSocket.super.setSoTimeout(leftMs("read"));
                    return super.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    DeadlineSocket.super.setSoTimeout(leftMs("read"));
                    return super.read(b, off, len);
                }
            };
        }
    }
}
