package vigil.daemon.peer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** Test helpers: free ports on 127.0.0.1, settings for an n-node cluster, recording listeners, polling. */
final class PeerFixture implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";
    /** FD_SOCK2 listens on the peer port + offset (100) .. + port_range (5); keep those free too. */
    private static final int FD_SOCK_OFFSET = 100;
    private static final int FD_SOCK_RANGE = 5;

    final List<PeerSettings.Peer> peers = new ArrayList<>();
    private final List<PeerChannel> opened = new CopyOnWriteArrayList<>();

    PeerFixture(String... names) throws IOException {
        for (String n : names)
            peers.add(new PeerSettings.Peer(n, LOOPBACK, freePort()));
    }

    PeerSettings settings(String self, Optional<byte[]> key, Duration heartbeat, Duration fdTimeout) {
        PeerSettings.Peer me = peers.stream().filter(p -> p.name().equals(self)).findFirst().orElseThrow();
        return new PeerSettings("vigiltest", self, LOOPBACK, me.port(), peers, key,
                heartbeat, fdTimeout, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    PeerSettings settings(String self, Optional<byte[]> key) {
        return settings(self, key, Duration.ofMillis(150), Duration.ofSeconds(3));
    }

    PeerChannel open(PeerSettings s, Recorder r) throws PeerChannelException {
        PeerChannel ch = PeerChannel.open(s, r);
        opened.add(ch);
        return ch;
    }

    @Override
    public void close() {
        opened.forEach(PeerChannel::close);
    }

    static byte[] key(int seed, int length) {
        byte[] k = new byte[length];
        for (int i = 0; i < length; i++)
            k[i] = (byte) (seed * 31 + i * 7);
        return k;
    }

    /** Polls until the condition holds; false if the deadline passed first. */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean())
                return true;
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /**
     * A port pair (the peer port and FD_SOCK2's above it) free now, drawn below the kernel's ephemeral range
     * (32768 and up by default): a port the kernel handed out for a moment (bind to 0) could be handed to another
     * process's outgoing connection before the channel binds it, as one CI run showed. A port is never handed out twice
     * in one JVM, nor one inside another's FD_SOCK2 range: the ports of one fixture are drawn before any is bound, so
     * "free now" alone let two peers of one cluster draw the same port (or one the other's FD_SOCK2 port), and a channel
     * a test left open holds its port after the test (another CI run: "No available port to bind to").
     */
    private static int freePort() throws IOException {
        InetAddress lo = InetAddress.getByName(LOOPBACK);
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = r.nextInt(20_000, 32_768 - FD_SOCK_OFFSET - FD_SOCK_RANGE);
            if (reserve(port) && free(lo, port) && free(lo, port + FD_SOCK_OFFSET))
                return port;
        }
        throw new IOException("no free port pair found on " + LOOPBACK);
    }

    /** Every port handed out in this JVM, each standing for itself and its FD_SOCK2 range. */
    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

    /** Takes {@code port} unless it or its FD_SOCK2 range meets one handed out before. */
    private static synchronized boolean reserve(int port) {
        for (int q : HANDED_OUT) {
            if (Math.abs(port - q) <= FD_SOCK_RANGE || Math.abs(port + FD_SOCK_OFFSET - q) <= FD_SOCK_RANGE
                    || Math.abs(q + FD_SOCK_OFFSET - port) <= FD_SOCK_RANGE)
                return false;
        }
        HANDED_OUT.add(port);
        return true;
    }

    private static boolean free(InetAddress lo, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(lo, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Records what a listener was told. */
    static final class Recorder implements PeerChannel.Listener {
        record Received(String from, byte[] payload) {
        }

        final ConcurrentLinkedQueue<Received> messages = new ConcurrentLinkedQueue<>();
        volatile Set<String> lastView = Set.of();

        @Override
        public void onMessage(String fromNode, byte[] payload) {
            messages.add(new Received(fromNode, payload));
        }

        @Override
        public void onView(Set<String> memberNames) {
            lastView = Set.copyOf(memberNames);
        }
    }
}
