package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.peer.PeerFixture.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.ByteArray;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import vigil.daemon.peer.PeerFixture.Recorder;

class PeerSecurityTest {
    private static final Set<String> PAIR = Set.of("n1", "n2");

    @Test
    @Timeout(20)
    void aNodeWithAnotherKeyNeverJoinsAndReceivesNothing() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            Optional<byte[]> good = Optional.of(PeerFixture.key(1, 32));
            Optional<byte[]> bad = Optional.of(PeerFixture.key(2, 32));
            Recorder r1 = new Recorder(), r2 = new Recorder(), r3 = new Recorder();
            PeerChannel c1 = f.open(f.settings("n1", good), r1);
            PeerChannel c2 = f.open(f.settings("n2", good), r2);
            assertTrue(await(Duration.ofSeconds(10), () -> c1.members().equals(PAIR) && c2.members().equals(PAIR)));
            PeerChannel c3 = f.open(f.settings("n3", bad), r3);

            // Bypass PeerChannel's view check: push raw messages both ways through the full stacks.
            byte[] secret = "for members only".getBytes(StandardCharsets.UTF_8);
            c1.jchannel().send(new BytesMessage(c3.jchannel().getAddress(), secret));
            c3.jchannel().send(new BytesMessage(c1.jchannel().getAddress(), secret));

            // Long enough for several MERGE3 rounds (max interval 3 s) and join retries.
            boolean merged = await(Duration.ofSeconds(7),
                    () -> c1.members().contains("n3") || c2.members().contains("n3") || c3.members().size() > 1);
            assertFalse(merged, () -> "views: n1=" + c1.members() + " n2=" + c2.members() + " n3=" + c3.members());
            assertEquals(Set.of("n3"), c3.members());
            assertEquals(PAIR, c1.members());
            assertTrue(r3.messages.isEmpty(), "the outsider received a member's message");
            assertTrue(r1.messages.isEmpty(), "a member received the outsider's message");

            // The pair still works while the outsider keeps knocking.
            c2.send("n1", new byte[] {42});
            assertTrue(await(Duration.ofSeconds(5), () -> !r1.messages.isEmpty()));
        }
    }

    @Test
    @Timeout(20)
    void encryptedTrafficHidesThePayloadAndTheSeqnoHeaders() throws Exception {
        Tapped tapped = exchangeCanary(Optional.of(PeerFixture.key(5, 16)));
        assertFalse(tapped.canarySeen, "the payload crossed the wire in plaintext");
        assertEquals(0, tapped.tap.framesWithReliableHeaders.get(),
                () -> "NAKACK2/UNICAST3 headers crossed the wire in plaintext: " + tapped.tap.leaks);
        // JGroups 5.5's SERIALIZE copies only the GMS header (type + member address) onto the encrypted
        // carrier, by design; the view/join payload itself stays encrypted.
        assertEquals(0, tapped.tap.gmsWithoutEncryption.get(), "a GMS message crossed the wire unencrypted");
        assertTrue(tapped.tap.frames.size() > 0, "the tap saw nothing at all");
    }

    @Test
    @Timeout(20)
    void theWireTapDoesSeePlaintextInInsecureMode() throws Exception {
        // Positive control: proves the tap would have caught the canary and the headers.
        Tapped tapped = exchangeCanary(Optional.empty());
        assertTrue(tapped.canarySeen, "the tap is blind: it did not see a plaintext payload");
        assertTrue(tapped.tap.framesWithReliableHeaders.get() > 0, "the tap is blind to NAKACK2/UNICAST3 headers");
    }

    private record Tapped(WireTap tap, boolean canarySeen) {
    }

    /** n1 sends a unique canary to n2 while a tap right above TCP records every frame n1 hands the wire. */
    private static Tapped exchangeCanary(Optional<byte[]> key) throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2")) {
            Recorder r1 = new Recorder(), r2 = new Recorder();
            PeerChannel c1 = f.open(f.settings("n1", key), r1);
            PeerChannel c2 = f.open(f.settings("n2", key), r2);
            assertTrue(await(Duration.ofSeconds(10), () -> c1.members().equals(PAIR) && c2.members().equals(PAIR)));
            WireTap tap = new WireTap();
            c1.jchannel().getProtocolStack().insertProtocol(tap, ProtocolStack.Position.ABOVE, TCP.class);

            byte[] canary = ("VIGIL-CANARY-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 3; i++)
                c1.send("n2", canary);
            assertTrue(await(Duration.ofSeconds(5), () -> r2.messages.size() == 3));
            assertTrue(Arrays.equals(canary, r2.messages.peek().payload()));
            return new Tapped(tap, tap.frames.stream().anyMatch(fr -> contains(fr, canary)));
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++)
                if (haystack[i + j] != needle[j])
                    continue outer;
            return true;
        }
        return false;
    }

    /** Records the serialized form of every message passed down to the transport. */
    static final class WireTap extends Protocol {
        final List<byte[]> frames = new CopyOnWriteArrayList<>();
        final AtomicInteger framesWithReliableHeaders = new AtomicInteger();
        final List<String> leaks = new CopyOnWriteArrayList<>();
        final AtomicInteger gmsWithoutEncryption = new AtomicInteger();
        private final short[] watched = {ClassConfigurator.getProtocolId(NAKACK2.class),
                ClassConfigurator.getProtocolId(UNICAST3.class)};
        private final short gms = ClassConfigurator.getProtocolId(GMS.class);
        private final short encrypt = ClassConfigurator.getProtocolId(SYM_ENCRYPT.class);

        @Override
        public Object down(Message msg) {
            try {
                ByteArray b = Util.messageToBuffer(msg);
                frames.add(Arrays.copyOfRange(b.getArray(), b.getOffset(), b.getOffset() + b.getLength()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            for (short id : watched)
                if (msg.getHeader(id) != null) {
                    framesWithReliableHeaders.incrementAndGet();
                    leaks.add(msg + " " + msg.printHeaders());
                    break;
                }
            if (msg.getHeader(gms) != null && msg.getHeader(encrypt) == null)
                gmsWithoutEncryption.incrementAndGet();
            return down_prot.down(msg);
        }
    }
}
