package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vigil.daemon.ha.OldPrimaryProbe.PeerAnswer;
import vigil.daemon.ha.OldPrimaryProbe.PeerAnswer.Kind;

/**
 * Without a PostgreSQL: everything but a direct answer is UNKNOWN, and the deadline holds to a few tens of
 * milliseconds whatever the other end does (refuses, never answers the SYN, accepts and stays silent).
 */
class OldPrimaryProbeTest {
    private static final Duration DEADLINE = Duration.ofMillis(300);
    private static final long SLACK_MS = 50;
    private final List<AutoCloseable> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final OldPrimaryProbe probe = new OldPrimaryProbe("replicator", Optional.empty(), DEADLINE);

    @BeforeAll
    static void warmUp() throws IOException {
        // the first pgjdbc connection loads its classes (CPU time no socket deadline bounds); vigild has loaded them
        // for its local probe long before it probes a peer
        new OldPrimaryProbe("replicator", Optional.empty(), DEADLINE).probe("127.0.0.1", closedPort());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void aRefusedConnectionProvesNothing() throws IOException {
        PeerAnswer a = timed(probe.probe("127.0.0.1", closedPort()), "refused port on 127.0.0.1");
        assertEquals(Kind.UNKNOWN, a.kind());
        assertTrue(a.detail().startsWith("refused"), a.detail());
    }

    @Test
    void aHostThatNeverAnswersTheSynIsUnknownAtTheDeadline() throws IOException {
        int port = blackholedPort();
        PeerAnswer a = timed(probe.probe("127.0.0.1", port), "SYN dropped (full accept queue)");
        assertEquals(Kind.UNKNOWN, a.kind());
        assertTrue(a.detail().startsWith("timeout"), a.detail());
        assertTrue(a.tookMs() >= DEADLINE.toMillis() - 5, "waited for the deadline: " + a.tookMs() + " ms");
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsUnknownAtTheDeadline() throws IOException {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(silent);
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    open.add(silent.accept()); // accepts, reads nothing, answers nothing
                }
            } catch (IOException e) {
                // closed by the test
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        PeerAnswer a = timed(probe.probe("127.0.0.1", silent.getLocalPort()), "accepts, silent");
        assertEquals(Kind.UNKNOWN, a.kind());
        assertTrue(a.detail().startsWith("timeout"), a.detail());
    }

    @Test
    void testNetAddressesAreUnknownWithinTheDeadline() {
        // whatever this network does with them (here 192.0.2.1 is the gateway and refuses, others may be
        // unroutable or intercepted): never an answer, never later than the deadline
        for (String host : List.of("192.0.2.1", "192.0.2.77", "198.51.100.1")) {
            PeerAnswer a = timed(probe.probe(host, 5432), host);
            assertEquals(Kind.UNKNOWN, a.kind(), a.toString());
        }
    }

    @Test
    void aShorterDeadlineCanBeGivenPerProbe() throws IOException {
        int port = blackholedPort();
        PeerAnswer a = probe.probe("127.0.0.1", port, Duration.ofMillis(40));
        System.out.printf("[measure] peer probe, 40 ms deadline, SYN dropped: %d ms%n", a.tookMs());
        assertEquals(Kind.UNKNOWN, a.kind());
        assertTrue(a.tookMs() <= 40 + SLACK_MS, a.tookMs() + " ms");
    }

    @Test
    void startedAtIsOnTheGivenMonotonicClock() throws IOException {
        OldPrimaryProbe clocked = new OldPrimaryProbe("replicator", Optional.empty(), DEADLINE, () -> 123_456L);
        assertEquals(123_456L, clocked.probe("127.0.0.1", closedPort()).startedAtMonoMs());
    }

    @Test
    void everyErrorKeepsItsReason() {
        assertEquals("57P03: the database system is starting up",
                OldPrimaryProbe.reason(new SQLException("the database system is starting up", "57P03")));
        assertEquals("28P01: password authentication failed",
                OldPrimaryProbe.reason(new SQLException("password authentication failed", "28P01")));
        assertEquals("53300: sorry, too many clients already",
                OldPrimaryProbe.reason(new SQLException("sorry, too many clients already", "53300")));
        assertEquals("timeout: connect timed out",
                OldPrimaryProbe.reason(new SQLException("x", "08001", new SocketTimeoutException("connect timed out"))));
        assertEquals("no route: No route to host",
                OldPrimaryProbe.reason(new SQLException("x", "08001", new NoRouteToHostException("No route to host"))));
        assertEquals("refused: Connection refused",
                OldPrimaryProbe.reason(new SQLException("x", "08001", new ConnectException("Connection refused"))));
    }

    private static PeerAnswer timed(PeerAnswer a, String what) {
        System.out.printf("[measure] peer probe, %d ms deadline, %s: %s after %d ms (%s)%n", DEADLINE.toMillis(), what,
                a.kind(), a.tookMs(), a.detail());
        assertTrue(a.tookMs() <= DEADLINE.toMillis() + SLACK_MS, what + ": " + a.tookMs() + " ms");
        return a;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A local port whose SYNs are dropped: a listener that never accepts, its accept queue filled (Linux then drops
     * new SYNs, as a firewall's drop rule would). Verified with a plain connect before use.
     */
    private int blackholedPort() throws IOException {
        ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        open.add(full);
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            open.add(s);
            try {
                s.connect(at, 200);
            } catch (SocketTimeoutException e) {
                return full.getLocalPort(); // this one was dropped: the queue is full
            }
        }
        Assumptions.abort("could not fill the accept queue of a local listener; no blackhole on this host");
        return -1;
    }
}
