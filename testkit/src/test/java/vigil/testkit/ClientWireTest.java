package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frames as tcpdump printed them in a bench run (rig 10.232.79.0/24, VIP .200, client .100). */
class ClientWireTest {
    static final String CLIENT_MAC = "2a:fb:2c:98:8e:82";
    static final String NEW_MAC = "1e:14:33:fe:38:4f";
    static final String OLD_MAC = "52:7a:1e:68:6e:e8";

    private static ClientWire wire(Path file) {
        return ClientWire.reading("10.232.79.200", "10.232.79.100", CLIENT_MAC, file);
    }

    @Test
    void tellsAnswersToTheClientFromAnnouncementsAndTheClientsOwnPackets(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("client-wire.txt");
        Files.write(f, List.of(
                "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
                "1000.000000 " + OLD_MAC + " > " + CLIENT_MAC + ", ethertype IPv4 (0x0800), length 117: 10.232.79.200.5432"
                        + " > 10.232.79.100.36804: Flags [P.], seq 1:52, ack 45, win 64, length 51",
                "1001.000000 " + NEW_MAC + " > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has"
                        + " 10.232.79.200 (ff:ff:ff:ff:ff:ff) tell 0.0.0.0, length 28",
                "1002.000000 " + CLIENT_MAC + " > " + OLD_MAC + ", ethertype IPv4 (0x0800), length 98: 10.232.79.100 >"
                        + " 10.232.79.200: ICMP echo request, id 11494, seq 393, length 64",
                "1002.480800 " + NEW_MAC + " > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has"
                        + " 10.232.79.200 (ff:ff:ff:ff:ff:ff) tell 10.232.79.200, length 28",
                "1002.489159 " + NEW_MAC + " > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Reply 10.232.79.200"
                        + " is-at " + NEW_MAC + ", length 28",
                "1002.495694 " + NEW_MAC + " > " + CLIENT_MAC + ", ethertype IPv4 (0x0800), length 98: 10.232.79.200 >"
                        + " 10.232.79.100: ICMP echo reply, id 11494, seq 394, length 64",
                "1002.6 cut short"));
        ClientWire w = wire(f);
        long offsetNs = ClientWire.realtimeMinusMonotonicNs();
        double mono1002 = 1_002_000.0 - offsetNs / 1e6; // 1002 s of wall clock on the monotonic clock
        List<ClientWire.Frame> all = w.framesAfter(Double.NEGATIVE_INFINITY);
        assertEquals(List.of(ClientWire.Kind.ANSWER, ClientWire.Kind.OTHER, ClientWire.Kind.OTHER,
                ClientWire.Kind.ANNOUNCE, ClientWire.Kind.ANNOUNCE, ClientWire.Kind.ANSWER),
                all.stream().map(ClientWire.Frame::kind).toList());
        ClientWire.Frame announce = w.first(NEW_MAC, ClientWire.Kind.ANNOUNCE, mono1002 - 500).orElseThrow();
        assertEquals(480.8, announce.monoMs() - mono1002, 1.0, "the gratuitous request, not the DAD probe");
        ClientWire.Frame answer = w.first(NEW_MAC, ClientWire.Kind.ANSWER, mono1002 - 500).orElseThrow();
        assertEquals(495.694, answer.monoMs() - mono1002, 1.0);
        assertEquals(OLD_MAC, w.first(OLD_MAC, ClientWire.Kind.ANSWER, Double.NEGATIVE_INFINITY).orElseThrow().srcMac());
    }

    @Test
    void anArpReplyToTheClientAnswersIt(@TempDir Path dir) {
        ClientWire w = wire(dir.resolve("none"));
        ClientWire.Frame f = w.parse("5.000001 " + NEW_MAC + " > " + CLIENT_MAC + ", ethertype ARP (0x0806), length 42:"
                + " Reply 10.232.79.200 is-at " + NEW_MAC + ", length 28", 0);
        assertEquals(ClientWire.Kind.ANSWER, f.kind());
        assertEquals(5000.001, f.monoMs(), 1e-6);
        assertNull(w.parse("listening on eth0, link-type EN10MB (Ethernet), snapshot length 128 bytes", 0));
    }

    @Test
    void theOffsetBetweenTheClocksIsStable() {
        long a = ClientWire.realtimeMinusMonotonicNs();
        long b = ClientWire.realtimeMinusMonotonicNs();
        assertEquals(a / 1e6, b / 1e6, 1.0, "two samples in a row agree within 1 ms");
    }
}
