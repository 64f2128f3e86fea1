package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import vigil.core.ha.PeerPg;

class OldPrimaryProbeTest {
    @Test
    void aRefusedConnectionMeansPostgresIsDownOnALiveHost() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        OldPrimaryProbe probe = new OldPrimaryProbe("replicator", Optional.empty(), Duration.ofMillis(500));
        assertEquals(PeerPg.NOT_WRITABLE, probe.probe("127.0.0.1", port));
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsUnreachable() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            OldPrimaryProbe probe = new OldPrimaryProbe("replicator", Optional.empty(), Duration.ofMillis(500));
            long t0 = System.nanoTime();
            assertEquals(PeerPg.UNREACHABLE, probe.probe("127.0.0.1", silent.getLocalPort()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            org.junit.jupiter.api.Assertions.assertTrue(ms < 5000, "bounded by the probe timeout: " + ms + " ms");
        }
    }

    @Test
    void anythingElseFromALiveServerIsAssumedWritable() {
        assertEquals(PeerPg.WRITABLE, OldPrimaryProbe.classify(new SQLException("password authentication failed", "28P01")));
        assertEquals(PeerPg.NOT_WRITABLE, OldPrimaryProbe.classify(new SQLException("the database system is shutting down", "57P03")));
        assertEquals(PeerPg.UNREACHABLE, OldPrimaryProbe.classify(new SQLException("x", "08001", new SocketTimeoutException("connect timed out"))));
        assertEquals(PeerPg.UNREACHABLE, OldPrimaryProbe.classify(new SQLException("x", "08001", new ConnectException("No route to host"))));
    }
}
