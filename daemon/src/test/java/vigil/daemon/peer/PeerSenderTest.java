package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerSenderTest {
    @Test
    void aPeerWhoseSendBlocksDelaysNeitherTheCallerNorTheOtherPeers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> delivered = new CopyOnWriteArrayList<>();
        try (PeerSender sender = new PeerSender((node, frame) -> {
            if (node.equals("dead")) {
                try {
                    release.await(10, TimeUnit.SECONDS); // a connect() to a vanished host
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            delivered.add(node + ":" + frame.length);
        })) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) sender.send("dead", new byte[1]);
            sender.send("alive", new byte[2]);
            long callerMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(callerMs < 500, "the caller waited " + callerMs + " ms");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!delivered.contains("alive:2") && System.nanoTime() < deadline) Thread.sleep(5);
            assertTrue(delivered.contains("alive:2"), "the healthy peer got its frame while the other was stuck");
            release.countDown();
        }
    }
}
