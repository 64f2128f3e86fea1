package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.peer.PeerFixture.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import vigil.daemon.peer.PeerFixture.Recorder;

class PeerChannelTest {
    private static final Set<String> ALL = Set.of("n1", "n2", "n3");

    @Test
    @Timeout(20)
    void threeNodesWithTheSameKeyFormOneViewAndDeliverUnicasts() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            Optional<byte[]> key = Optional.of(PeerFixture.key(1, 32));
            List<Recorder> rec = List.of(new Recorder(), new Recorder(), new Recorder());
            List<PeerChannel> ch = openConcurrently(f, key, rec);

            long start = System.nanoTime();
            assertTrue(await(Duration.ofSeconds(10), () -> ch.stream().allMatch(c -> c.members().equals(ALL))),
                    () -> "views: " + ch.stream().map(PeerChannel::members).toList());
            System.out.printf("[measure] 3-node view complete %d ms after open() returned (open took %d ms)%n",
                    (System.nanoTime() - start) / 1_000_000, openMillis);
            assertTrue(await(Duration.ofSeconds(2), () -> rec.stream().allMatch(r -> r.lastView.equals(ALL))));

            byte[] payload = "term=7 seq=42".getBytes(StandardCharsets.UTF_8);
            ch.get(0).send("n3", payload);
            assertTrue(await(Duration.ofSeconds(5), () -> !rec.get(2).messages.isEmpty()));
            Recorder.Received got = rec.get(2).messages.peek();
            assertEquals("n1", got.from());
            assertArrayEquals(payload, got.payload());
            assertTrue(rec.get(1).messages.isEmpty(), "n2 must not see a unicast to n3");
        }
    }

    @Test
    @Timeout(20)
    void insecureModeFormsAViewAndDeliversMessages() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2")) {
            Recorder r1 = new Recorder(), r2 = new Recorder();
            PeerChannel c1 = f.open(f.settings("n1", Optional.empty()), r1);
            PeerChannel c2 = f.open(f.settings("n2", Optional.empty()), r2);
            assertTrue(await(Duration.ofSeconds(10),
                    () -> c1.members().equals(Set.of("n1", "n2")) && c2.members().equals(Set.of("n1", "n2"))));
            c2.send("n1", new byte[] {1, 2, 3});
            assertTrue(await(Duration.ofSeconds(5), () -> !r1.messages.isEmpty()));
            assertEquals("n2", r1.messages.peek().from());
            assertArrayEquals(new byte[] {1, 2, 3}, r1.messages.peek().payload());
        }
    }

    @Test
    @Timeout(20)
    void aLoneNodeOpensAndSendsToUnknownOrClosedPeersWithoutThrowing() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            Recorder r = new Recorder();
            long t0 = System.nanoTime();
            PeerChannel c = f.open(f.settings("n1", Optional.of(PeerFixture.key(1, 16))), r);
            long openMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Set.of("n1"), c.members());
            assertTrue(openMs < 8_000, "open() alone took " + openMs + " ms");
            c.send("n2", new byte[] {1});        // configured but absent
            c.send("nobody", new byte[] {1});    // not configured at all
            c.close();
            c.close();                           // idempotent
            c.send("n1", new byte[] {1});        // after close
            assertEquals(Set.of(), c.members());
            assertTrue(r.messages.isEmpty());
        }
    }

    @Test
    @Timeout(20)
    void aPortAlreadyInUseFailsWithAClearError() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2")) {
            PeerSettings s = f.settings("n1", Optional.empty());
            f.open(s, new Recorder());
            PeerChannelException e = assertThrows(PeerChannelException.class, () -> f.open(s, new Recorder()));
            assertTrue(e.getMessage().contains("127.0.0.1:" + s.bindPort()), e.getMessage());
        }
    }

    @Test
    @Timeout(20)
    void theStackIsTheDocumentedOneWithDiagnosticsOff() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2")) {
            PeerChannel c = f.open(f.settings("n1", Optional.of(PeerFixture.key(1, 24))), new Recorder());
            ProtocolStack stack = c.jchannel().getProtocolStack();
            List<String> names = stack.getProtocols().stream().map(p -> p.getClass().getSimpleName()).toList();
            assertEquals(List.of("FRAG4", "GMS", "STABLE", "UNICAST3", "NAKACK2", "SERIALIZE", "SYM_ENCRYPT",
                    "VERIFY_SUSPECT2", "FD_ALL3", "FD_SOCK2", "StaticMerge", "TCPPING", "TCP"), names);
            TP tp = stack.getTransport();
            assertFalse(tp.getDiagnosticsHandler().isEnabled(), "JGroups diagnostics must be off");
            assertEquals(0, tp.getPortRange());
            assertEquals(false, stack.findProtocol(GMS.class).getValue("print_local_addr"));
            FD_ALL3 fd = stack.findProtocol(FD_ALL3.class);
            assertEquals(3000, fd.getTimeout());
            assertEquals(750, fd.getInterval(), "a quarter of the timeout, not the heartbeat: any message is a sign of life");
            SYM_ENCRYPT enc = stack.findProtocol(SYM_ENCRYPT.class);
            assertEquals("AES/CBC/PKCS5Padding", enc.symAlgorithm());
            assertEquals(192, enc.symKeylength());
        }
    }

    private static long openMillis;

    /** Opens all nodes at once, as when a whole cluster boots; returns them in name order. */
    static List<PeerChannel> openConcurrently(PeerFixture f, Optional<byte[]> key, List<Recorder> rec)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(f.peers.size());
        try {
            long t0 = System.nanoTime();
            List<Future<PeerChannel>> futures = new ArrayList<>();
            for (int i = 0; i < f.peers.size(); i++) {
                PeerSettings s = f.settings(f.peers.get(i).name(), key);
                Recorder r = rec.get(i);
                futures.add(pool.submit(() -> f.open(s, r)));
            }
            List<PeerChannel> out = new ArrayList<>();
            for (Future<PeerChannel> fu : futures)
                out.add(fu.get());
            openMillis = (System.nanoTime() - t0) / 1_000_000;
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
