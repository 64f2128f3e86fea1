package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two datagram endpoints on 127.0.0.1: what passes, and what an endpoint refuses. */
class PeerDatagramsTest {
    record Got(String from, String frame) {
    }

    final List<Got> got = new CopyOnWriteArrayList<>();
    final List<PeerDatagrams> opened = new CopyOnWriteArrayList<>();
    PeerFixture fx;

    PeerDatagrams open(String self, Optional<byte[]> key, List<Got> into) throws Exception {
        PeerDatagrams d = PeerDatagrams.open(fx.settings(self, key),
                (from, frame) -> into.add(new Got(from, new String(frame, StandardCharsets.UTF_8))));
        opened.add(d);
        return d;
    }

    @AfterEach
    void close() {
        opened.forEach(PeerDatagrams::close);
    }

    /** n1 and n2 with a cluster key; n2's frames go to {@link #got}. Returns n1. */
    PeerDatagrams n1ToN2() throws Exception {
        fx = new PeerFixture("n1", "n2");
        Optional<byte[]> key = Optional.of(PeerFixture.key(1, 32));
        PeerDatagrams n1 = open("n1", key, new CopyOnWriteArrayList<>());
        open("n2", key, got);
        return n1;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFrameReachesItsPeerNamedByItsSender() throws Exception {
        PeerDatagrams n1 = n1ToN2();
        n1.send("n2", bytes("heartbeat 1"));
        n1.send("n9", bytes("to nobody")); // not configured: dropped at the sender
        assertTrue(PeerFixture.await(Duration.ofSeconds(5), () -> !got.isEmpty()), "nothing arrived");
        assertEquals(List.of(new Got("n1", "heartbeat 1")), got);
    }

    /**
     * A frame sent once (a vote, a resignation) does not displace the heartbeat the datagram path sends again when the
     * peer comes back in reach: a stale vote sent again in its place would renew no lease.
     */
    @Test
    void aFrameSentOnceIsNotTheOneSentAgain() throws Exception {
        PeerDatagrams n1 = n1ToN2();
        n1.send("n2", bytes("heartbeat 7"));
        n1.send("n2", bytes("vote"), false);
        n1.resend("n2");
        assertTrue(PeerFixture.await(Duration.ofSeconds(5), () -> got.size() >= 3), "arrived: " + got);
        assertEquals(List.of(new Got("n1", "heartbeat 7"), new Got("n1", "vote"), new Got("n1", "heartbeat 7")), got);
    }

    /**
     * An operator's request or answer ({@code sendOnce}) goes outside the numbering loss is judged by: it carries the
     * last heartbeat's number (a copy to the receiver), so one that overtakes a heartbeat, or is too large to go, opens
     * no gap that would send every heartbeat over JGroups as well for the next two seconds.
     */
    @Test
    void aFrameSentOnceLeavesTheNumberingAlone() throws Exception {
        fx = new PeerFixture("n1", "n2");
        Optional<byte[]> key = Optional.of(PeerFixture.key(1, 32));
        PeerDatagrams n1 = open("n1", key, new CopyOnWriteArrayList<>());
        PeerSettings n2 = fx.settings("n2", key);
        try (DatagramSocket raw = new DatagramSocket(n2.bindPort(), InetAddress.getByName(n2.bindAddress()))) {
            raw.setSoTimeout(5_000); // a datagram that never comes fails the test, it does not hang it
            n1.send("n2", bytes("heartbeat 1"));
            assertFalse(n1.sendOnce("n2", new byte[PeerDatagrams.MAX_DATAGRAM]), "too large: not sent");
            assertTrue(n1.sendOnce("n2", bytes("pause")), "sent");
            n1.send("n2", bytes("heartbeat 2"));
            List<PeerDatagrams.Unwrapped> in = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
                raw.receive(p);
                in.add(n1.unwrap(java.util.Arrays.copyOf(p.getData(), p.getLength())));
            }
            assertEquals(List.of("heartbeat 1", "pause", "heartbeat 2"),
                    in.stream().map(u -> new String(u.frame(), StandardCharsets.UTF_8)).toList());
            assertEquals(in.get(0).seq(), in.get(1).seq(), "the request carries the last heartbeat's number");
            assertEquals(in.get(0).seq() + 1, in.get(2).seq(), "the next heartbeat follows without a gap");
        }
    }

    /** Loopback keeps datagrams in order: once the good one is in, the bad ones before it were refused. */
    @Test
    void forgedUnsignedAndRedirectedDatagramsAreRefused() throws Exception {
        fx = new PeerFixture("n1", "n2", "n3");
        Optional<byte[]> key = Optional.of(PeerFixture.key(1, 32));
        PeerDatagrams n1 = open("n1", key, new CopyOnWriteArrayList<>());
        open("n3", key, got);
        PeerDatagrams otherKey = PeerDatagrams.open(new PeerFixture("n1", "n3").settings("n1",
                Optional.of(PeerFixture.key(2, 32))), (f, b) -> { });
        opened.add(otherKey);
        PeerDatagrams insecure = PeerDatagrams.open(new PeerFixture("n1", "n3").settings("n1", Optional.empty()),
                (f, b) -> { });
        opened.add(insecure);
        byte[] tampered = n1.wrap("n1", "n3", bytes("heartbeat 7"), 0, 7);
        tampered[tampered.length - PeerDatagrams.MAC_BYTES - 1] ^= 1;
        List<byte[]> bad = List.of(
                otherKey.wrap("n1", "n3", bytes("forged"), 0, 1),
                insecure.wrap("n1", "n3", bytes("unsigned"), 0, 1),
                n1.wrap("n1", "n2", bytes("meant for n2"), 0, 1),
                n1.wrap("n9", "n3", bytes("from a stranger"), 0, 1),
                tampered);
        int n3Port = fx.peers.get(2).port();
        try (DatagramSocket s = new DatagramSocket()) {
            for (byte[] d : bad) s.send(new DatagramPacket(d, d.length, InetAddress.getByName(PeerFixture.LOOPBACK), n3Port));
        }
        n1.send("n3", bytes("heartbeat 8"));
        assertTrue(PeerFixture.await(Duration.ofSeconds(5), () -> !got.isEmpty()), "nothing arrived");
        assertEquals(List.of(new Got("n1", "heartbeat 8")), got);
    }

    /**
     * Once n2 says it hears every datagram of n1's (after a clean stretch of {@link PeerDatagrams#CLEAN_AFTER_GAP_MS}:
     * a peer newly seen says nothing yet), n1's heartbeats need no TCP copy; until then they do.
     */
    @Test
    void aFrameNeedsNoSecondCopyOnceThePeerSaysItHearsEveryDatagram() throws Exception {
        fx = new PeerFixture("n1", "n2");
        Optional<byte[]> key = Optional.of(PeerFixture.key(1, 32));
        List<Got> atN1 = new CopyOnWriteArrayList<>();
        PeerDatagrams n1 = open("n1", key, atN1);
        PeerDatagrams n2 = open("n2", key, got);
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(10).toNanos();
        boolean alone = false;
        long sentAlone = 0;
        for (int i = 0; !alone && System.nanoTime() < deadline; i++) {
            int seen = got.size();
            alone = n1.send("n2", bytes("heartbeat " + i));
            sentAlone = System.nanoTime();
            assertTrue(PeerFixture.await(Duration.ofSeconds(5), () -> got.size() > seen), "heartbeat " + i + " lost");
            int acks = atN1.size();
            n2.send("n1", bytes("ack " + i));
            assertTrue(PeerFixture.await(Duration.ofSeconds(5), () -> atN1.size() > acks), "ack " + i + " lost");
            Thread.sleep(100);
        }
        assertTrue(alone, "n2 never said it hears every datagram of n1's");
        assertTrue(sentAlone - start >= Duration.ofMillis(PeerDatagrams.CLEAN_AFTER_GAP_MS).toNanos(),
                "not before a clean stretch: " + (sentAlone - start) / 1_000_000 + " ms");
    }

    @Test
    void anInsecureClusterSendsNoMacButStillNamesBothEnds() throws Exception {
        fx = new PeerFixture("n1", "n2");
        PeerDatagrams n1 = open("n1", Optional.empty(), new CopyOnWriteArrayList<>());
        byte[] d = n1.wrap("n1", "n2", bytes("hb"), DatagramHealth.HEARS_YOU, 70_000);
        assertEquals(1 + 1 + 4 + 1 + 2 + 1 + 2 + 2, d.length);
        PeerDatagrams.Unwrapped u = n1.unwrap(d);
        assertEquals("n1", u.from());
        assertEquals("n2", u.to());
        assertArrayEquals(bytes("hb"), u.frame());
        assertEquals(DatagramHealth.HEARS_YOU, u.flags());
        assertEquals(70_000, u.seq());
        assertNull(n1.unwrap(new byte[] {'W', 9}), "cut short");
        assertNull(n1.unwrap(new byte[] {'V', 9}), "cut short");
        PeerDatagrams.Unwrapped old = n1.unwrap(new byte[] {'V', 2, 'n', '1', 2, 'n', '2', 'h', 'b'});
        assertEquals(new PeerDatagrams.Unwrapped("n1", "n2", old.frame(), 0, 0, true), old,
                "a vigild not yet upgraded is still heard");
        assertArrayEquals(bytes("hb"), old.frame());
    }
}
