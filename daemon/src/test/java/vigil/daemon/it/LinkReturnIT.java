package vigil.daemon.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vigil.daemon.peer.DatagramPeer;
import vigil.testkit.NetnsRig;
import vigil.testkit.NodeProcess;

/**
 * A node's cable pulled for 1.3 s and plugged back: how soon its heartbeat datagrams reach the peer again. Real
 * processes in namespaces ({@link DatagramPeer}), the kernel's own neighbour table.
 *
 * <p>Both ways are measured on the same rig, so the test shows the cause as well as the cure: without re-resolving
 * (plain) the kernel holds every datagram in a neighbour entry whose ARP request was lost with the link until its
 * retransmission timer fires, 0.6-0.9 s after the link is back; with vigild's {@code Neighbours} the entry is deleted
 * within a poll of the carrier's return and the last heartbeat sent again.
 */
class LinkReturnIT {
    /** Longer than the ARP retransmission interval (1 s), shorter than three of them (the entry would fail). */
    private static final Duration CUT = Duration.ofMillis(1300);
    private static final long CURED_MS = 250;
    private static final long HELD_MS = 400;
    private static final int PORT = 7900;

    private NetnsRig rig;

    @BeforeEach
    void rig() {
        RigIt.assumeHost("LinkReturnIT", NetnsRig.precondition());
        rig = NetnsRig.create(2);
    }

    @AfterEach
    void close() {
        if (rig != null) rig.close();
    }

    @Test
    void aHeartbeatCrossesAReturnedLinkWithinAPollOnlyWhenTheSilentPeerIsResolvedAfresh() throws Exception {
        long plain = echoDelayAfterCut("plain", "plain", PORT);
        // The kernel's own retransmission timer may happen to resolve the entry right after the link's return: then
        // the peer forgot nothing and the run says nothing about forgetting. Up to three cuts, until one shows it.
        long cured = -1;
        String log = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            String label = "neighbours-" + attempt;
            cured = echoDelayAfterCut("neighbours", label, PORT + attempt);
            log = Files.readString(rig.runDir().resolve("beat-" + label + ".log"));
            if (log.contains("event=neighbour_forgotten")) break;
        }
        System.out.println("LinkReturnIT: first echo after the link's return: " + plain + " ms plain, " + cured
                + " ms resolved afresh");
        assertTrue(plain >= HELD_MS, "without re-resolving, the first echo came " + plain + " ms after the link was back:"
                + " the rig no longer shows the kernel holding datagrams in an unresolved entry, so this test proves nothing");
        assertTrue(log.contains("event=neighbour_forgotten") && log.contains("reason=PEER_SILENT_ENTRY_UNRESOLVED"), log);
        assertTrue(cured <= CURED_MS, "with re-resolving, the first echo came " + cured + " ms after the link was back"
                + " (without: " + plain + " ms); expected within " + CURED_MS + " ms");
    }

    /** Starts a beater on n1 and an echo on n2, pulls n1's cable for {@link #CUT}; ms from plugging it to the first echo. */
    private long echoDelayAfterCut(String mode, String label, int port) throws Exception {
        Path beatLog = rig.runDir().resolve("beat-" + label + ".log");
        NodeProcess echo = rig.start(rig.ns("n2"), peer("n2", "n1", port, "echo", mode), Map.of(),
                rig.runDir().resolve("echo-" + label + ".log"));
        NodeProcess beat = rig.start(rig.ns("n1"), peer("n1", "n2", port, "beat", mode), Map.of(), beatLog);
        try {
            long since = System.nanoTime();
            assertTrue(await(Duration.ofSeconds(30), () -> firstEchoAfter(beatLog, since).isPresent()),
                    "no echo before the cut: " + Files.readString(beatLog));
            Thread.sleep(1000); // a steady stream, and n2's entry for n1 settled, before the cut
            rig.linkDown("n1");
            Thread.sleep(CUT.toMillis()); // the fault's own length
            rig.linkUp("n1");
            long up = System.nanoTime();
            assertTrue(await(Duration.ofSeconds(10), () -> firstEchoAfter(beatLog, up).isPresent()),
                    mode + ": no echo within 10 s of the link's return: " + Files.readString(beatLog));
            return (firstEchoAfter(beatLog, up).getAsLong() - up) / 1_000_000;
        } finally {
            rig.kill9(beat.pid());
            rig.kill9(echo.pid());
        }
    }

    private List<String> peer(String self, String other, int port, String role, String mode) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), DatagramPeer.class.getName(),
                self, rig.address(self), other, rig.address(other), Integer.toString(port), role, mode);
    }

    /** The receive time (monotonic ns) of the first echo at or after {@code sinceNs}. */
    private static OptionalLong firstEchoAfter(Path log, long sinceNs) throws IOException {
        if (!Files.exists(log)) return OptionalLong.empty();
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("echo "))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).filter(t -> t >= sinceNs).findFirst();
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static boolean await(Duration limit, Check c) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.holds()) return true;
            Thread.sleep(20);
        }
        return c.holds();
    }
}
