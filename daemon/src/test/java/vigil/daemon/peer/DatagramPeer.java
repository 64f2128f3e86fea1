package vigil.daemon.peer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * One end of the datagram path, as a process of its own for the namespace tests ({@code LinkReturnIT}).
 * {@code beat} sends a frame to its peer every heartbeat (150 ms) and prints {@code echo SEQ MONO_NS} for each frame
 * that comes back; {@code echo} sends every frame it gets back to its sender, as a follower acknowledges a heartbeat.
 * With {@code neighbours} the path re-resolves a silent peer as vigild's does; with {@code plain} it does not.
 * It exits after two minutes at most (the test kills it earlier).
 *
 * <pre>DatagramPeer SELF SELF_ADDRESS PEER PEER_ADDRESS PORT beat|echo neighbours|plain</pre>
 */
public final class DatagramPeer {
    static final Duration HEARTBEAT = Duration.ofMillis(150);
    static final long LEASE_MS = 1500;

    private DatagramPeer() {
    }

    public static void main(String[] a) throws Exception {
        String self = a[0], selfAddress = a[1], peer = a[2], peerAddress = a[3], role = a[5];
        int port = Integer.parseInt(a[4]);
        boolean neighbours = a[6].equals("neighbours");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PeerSettings s = new PeerSettings("vigiltest", self, selfAddress, port,
                List.of(new PeerSettings.Peer(self, selfAddress, port), new PeerSettings.Peer(peer, peerAddress, port)),
                Optional.empty(), HEARTBEAT, Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(1));
        PeerDatagrams[] d = new PeerDatagrams[1];
        PeerDatagrams.Listener listener = role.equals("echo")
                ? (from, frame) -> d[0].send(from, frame)
                : (from, frame) -> out.println("echo " + new String(frame, StandardCharsets.UTF_8) + " " + System.nanoTime());
        Log log = new Log(self, out, Priority.DEBUG);
        d[0] = neighbours ? PeerDatagrams.open(s, listener, log, LEASE_MS) : PeerDatagrams.open(s, listener);
        out.println("ready " + role + " " + (neighbours ? "neighbours" : "plain"));
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        for (long seq = 1; System.nanoTime() < end; seq++) {
            if (role.equals("beat")) d[0].send(peer, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
            Thread.sleep(HEARTBEAT.toMillis());
        }
        d[0].close();
    }
}
