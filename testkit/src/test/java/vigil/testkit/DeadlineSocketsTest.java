package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineSocketsTest {
    private final List<Socket> held = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Socket s : held) s.close();
        DeadlineSockets.connectMs = 0;
    }

    @Test
    void theShorterTimeoutWinsAndZeroMeansNone() {
        assertEquals(50, DeadlineSockets.shorter(1000, 50));
        assertEquals(20, DeadlineSockets.shorter(20, 50));
        assertEquals(50, DeadlineSockets.shorter(0, 50), "no timeout of the caller's: the limit");
        assertEquals(1000, DeadlineSockets.shorter(1000, 0), "no limit: the caller's");
        assertEquals(0, DeadlineSockets.shorter(0, 0));
    }

    /**
     * A SYN nobody answers (here: a listener whose accept queue is full drops it) ends the connect after the writer's
     * connect limit, not after the caller's timeout (pgjdbc's whole seconds).
     */
    @Test
    void aConnectNobodyAnswersIsGivenUpAfterTheLimit() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket full = new ServerSocket(0, 1, lo)) {
            InetSocketAddress at = new InetSocketAddress(lo, full.getLocalPort());
            fill(at);
            DeadlineSockets.connectMs = 50;
            Socket s = new DeadlineSockets().createSocket();
            held.add(s);
            long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class, () -> s.connect(at, 5_000));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 45 && ms < 1_000, "given up after " + ms + " ms: the limit is 50, the caller's timeout 5000");
        }
    }

    /** Connects until the listener's accept queue is full: the next SYN goes unanswered. */
    private void fill(InetSocketAddress at) throws IOException {
        for (int i = 0; i < 64; i++) {
            Socket s = new Socket();
            held.add(s);
            try {
                s.connect(at, 200);
            } catch (SocketTimeoutException e) {
                return;
            }
        }
        throw new AssertionError("the accept queue of a listener with backlog 1 never filled");
    }
}
