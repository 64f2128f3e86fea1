package vigil.daemon.peer;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Sends frames to peers from one thread per peer, so the decide/act loop never waits on the network. A peer whose
 * host vanished makes the transport open a new connection, and connect() can block for its whole timeout; done on
 * the loop's thread, that delayed every vote and acknowledgement to the other peers past the election timeout.
 * Each peer's queue is bounded: when a peer cannot keep up its oldest frames are dropped, which the election
 * tolerates like any message loss.
 */
public final class PeerSender implements AutoCloseable {
    static final int QUEUE = 256;
    private final BiConsumer<String, byte[]> transport;
    private final Map<String, ThreadPoolExecutor> perPeer = new ConcurrentHashMap<>();

    public PeerSender(BiConsumer<String, byte[]> transport) {
        this.transport = transport;
    }

    public void send(String node, byte[] frame) {
        ThreadPoolExecutor ex = perPeer.computeIfAbsent(node, n -> {
            ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(QUEUE), r -> {
                        Thread t = new Thread(r, "vigil-send-" + n);
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.DiscardOldestPolicy());
            return e;
        });
        if (ex.isShutdown()) return;
        ex.execute(() -> transport.accept(node, frame));
    }

    @Override
    public void close() {
        perPeer.values().forEach(ThreadPoolExecutor::shutdownNow);
    }
}
