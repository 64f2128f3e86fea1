package vigil.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The loop's inbox over a real UDP socket on 127.0.0.1: what wakes a wait and what waits for the next one. */
class InboxTest {
    final Inbox<String> inbox = new Inbox<>();
    DatagramChannel socket;
    DatagramChannel peer;

    @BeforeEach
    void open() throws Exception {
        socket = DatagramChannel.open();
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        socket.configureBlocking(false);
        peer = DatagramChannel.open();
        inbox.reads(new Inbox.Socket() {
            @Override public SelectableChannel channel() { return socket; }
            @Override public void drain(long unwatchedSinceMs) {
                ByteBuffer b = ByteBuffer.allocate(100);
                try {
                    while (socket.receive(b.clear()) != null) inbox.add("datagram " + new String(b.array(), 0, b.flip().remaining()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        inbox.close();
        socket.close();
        peer.close();
    }

    void sendDatagram(String text) throws Exception {
        peer.send(ByteBuffer.wrap(text.getBytes()), socket.getLocalAddress());
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} on a thread of its own, {@code ms} from now (another thread than the one that waits). */
    static Thread after(long ms, Step step) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(ms);
                step.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    /** Polls with {@code waitMs} and says how long it took, in ms, and what came. */
    record Waited(String got, long ms) {}

    Waited poll(long waitMs, boolean watchSocket) throws Exception {
        long t0 = System.nanoTime();
        String got = inbox.poll(waitMs, watchSocket);
        return new Waited(got, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Whether the loop waits in the selector (the socket watched) or parked (not watched), an add wakes it. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void anElementAddedByAnotherThreadEndsTheWaitAtOnce(boolean watchSocket) throws Exception {
        Thread adder = after(100, () -> inbox.add("probe answer"));
        long t0 = System.nanoTime();
        String got = null;
        while (got == null && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) got = inbox.poll(10_000, watchSocket);
        Waited w = new Waited(got, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)); // a wait may end early: again
        adder.join();
        assertEquals("probe answer", w.got());
        assertTrue(w.ms() < 5_000, "the wait ran " + w.ms() + " ms: the add did not wake it");
    }

    @Test
    void aDatagramEndsTheWaitWhileTheSocketIsWatched() throws Exception {
        assertNull(inbox.poll(1, true)); // the selector is open and watching
        Thread sender = after(100, () -> sendDatagram("heartbeat"));
        Waited w = poll(10_000, true);
        sender.join();
        assertEquals("datagram heartbeat", w.got());
        assertTrue(w.ms() < 5_000, "the wait ran " + w.ms() + " ms: the datagram did not wake it");
    }

    /**
     * While acknowledgements may wait, a datagram leaves the wait alone: it is read when the wait ends (the loop's
     * next wake, at most a heartbeat away then).
     */
    @Test
    void aDatagramWaitsForTheNextPollWhileTheSocketIsNotWatched() throws Exception {
        assertNull(inbox.poll(1, false));
        Thread sender = after(50, () -> sendDatagram("acknowledgement"));
        Waited w = poll(400, false);
        sender.join();
        assertTrue(w.ms() >= 350, "a datagram ended a wait that did not watch the socket after " + w.ms() + " ms");
        assertEquals("datagram acknowledgement", w.got(), "the datagram was not read when the wait ended");
    }
}
