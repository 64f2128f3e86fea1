package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.peer.PeerFixture.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import vigil.daemon.peer.PeerFixture.Recorder;

/**
 * How fast the survivors' view shrinks when n3 goes away, with the timing of the brief:
 * heartbeat 150 ms, failure detection timeout 3 s, suspect verification 1 s.
 */
class PeerFailureDetectionTest {
    private static final Set<String> ALL = Set.of("n1", "n2", "n3");
    private static final Set<String> SURVIVORS = Set.of("n1", "n2");
    private static final Duration FD_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration VERIFY = Duration.ofSeconds(1);
    private static final Duration MARGIN = Duration.ofSeconds(2);

    @Test
    @Timeout(20)
    void gracefulCloseShrinksTheViewAtOnce() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            List<PeerChannel> ch = formCluster(f);
            long t0 = System.nanoTime();
            ch.get(2).close();
            assertTrue(await(Duration.ofSeconds(2), () -> survivorsSee(ch, SURVIVORS)),
                    () -> "after close: " + views(ch));
            report("graceful close (LEAVE)", t0);
        }
    }

    @Test
    @Timeout(20)
    void crashedProcessIsExcludedWithinTheFailureDetectionTimeout() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            List<PeerChannel> ch = formCluster(f);
            long t0 = System.nanoTime();
            ch.get(2).crash(); // no LEAVE; sockets close as the kernel would close them for a killed process

            // While n3 is still in the view, sends to it must not stall the caller.
            long worstSendNs = 0;
            for (int i = 0; i < 200 && ch.get(0).members().contains("n3"); i++) {
                long s = System.nanoTime();
                ch.get(0).send("n3", new byte[64]);
                worstSendNs = Math.max(worstSendNs, System.nanoTime() - s);
                Thread.sleep(5);
            }
            assertTrue(worstSendNs < 200_000_000L, "send() to a crashed peer took " + worstSendNs / 1_000_000 + " ms");

            assertTrue(await(FD_TIMEOUT.plus(MARGIN), () -> survivorsSee(ch, SURVIVORS)),
                    () -> "after crash: " + views(ch));
            report("crash (sockets closed, no LEAVE)", t0);
            System.out.printf("[measure] worst send() to the crashed, still-listed peer: %.2f ms%n", worstSendNs / 1e6);
        }
    }

    @Test
    @Timeout(20)
    void hungOrCutOffNodeIsExcludedAfterHeartbeatsStopAndMergesBack() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            List<PeerChannel> ch = formCluster(f);
            // n3 stays up and keeps its sockets open, but nothing reaches it or leaves it: a hung process
            // or a cut link. Only FD_ALL3 (no heartbeats) + VERIFY_SUSPECT2 can notice.
            DISCARD cut = new DISCARD().discardAll(true);
            cut.setUpDiscardRate(1.0);
            ProtocolStack stack = ch.get(2).jchannel().getProtocolStack();
            long t0 = System.nanoTime();
            stack.insertProtocol(cut, ProtocolStack.Position.ABOVE, TCP.class);
            assertTrue(await(FD_TIMEOUT.plus(VERIFY).plus(MARGIN), () -> survivorsSee(ch, SURVIVORS)),
                    () -> "after cut: " + views(ch));
            report("hang/cut (heartbeats stop)", t0);
            assertTrue(await(FD_TIMEOUT.plus(VERIFY).plus(MARGIN), () -> ch.get(2).members().equals(Set.of("n3"))),
                    () -> "the cut-off node should see itself alone: " + ch.get(2).members());

            long healed = System.nanoTime();
            stack.removeProtocol(cut); // the link comes back: MERGE3 must reunite the two views
            assertTrue(await(Duration.ofSeconds(8), () -> ch.stream().allMatch(c -> c.members().equals(ALL))),
                    () -> "after heal: " + views(ch));
            System.out.printf("[measure] views merged %d ms after the cut healed%n", (System.nanoTime() - healed) / 1_000_000);
        }
    }

    @Test
    @Timeout(20)
    void aRestartedNodeRejoinsAndItsNameReachesTheNewIncarnation() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            List<PeerChannel> ch = formCluster(f);
            ch.get(2).crash();
            // Restart at once, as systemd would: the old incarnation may still be in the survivors' view.
            Recorder fresh = new Recorder();
            PeerChannel n3 = f.open(f.settings("n3", Optional.of(PeerFixture.key(3, 32))), fresh);
            // Wait until n1's own view holds the new incarnation and no longer the old one: until then
            // "n3" may still resolve to the dead incarnation and a send to it is lost (send is best effort).
            assertTrue(await(FD_TIMEOUT.plus(VERIFY).plus(MARGIN), () -> n3.members().equals(ALL)
                    && ch.get(0).jchannel().getView().containsMember(n3.jchannel().getAddress())
                    && ch.get(0).jchannel().getView().size() == 3 && survivorsSee(ch, ALL)),
                    () -> "after restart: " + views(ch) + " n3=" + n3.members() + " raw=" + ch.get(0).jchannel().getView());
            ch.get(0).send("n3", new byte[] {7});
            assertTrue(await(Duration.ofSeconds(5), () -> !fresh.messages.isEmpty()), "the new n3 got nothing");
        }
    }

    /**
     * MERGE3's INFO goes to the configured peers directly ({@link StaticMerge}): a formed, idle cluster runs no
     * discovery round, yet every member keeps telling the others its view (what merges split views; the test above).
     * The window is longer than MERGE3's longest interval between two rounds (1.5 x max_interval = 3 s): stock MERGE3
     * would have run a TCPPING discovery round on every node in it (its INFO round starts with one).
     */
    @Test
    @Timeout(20)
    void anIdleClusterTellsItsViewsWithoutDiscoveryRounds() throws Exception {
        try (PeerFixture f = new PeerFixture("n1", "n2", "n3")) {
            List<PeerChannel> ch = formCluster(f);
            List<Integer> requests = ch.stream().map(c -> discovery(c).getNumberOfDiscoveryRequestsSent()).toList();
            List<Long> infos = ch.stream().map(c -> merge(c).infosSent()).toList();
            long windowMs = PeerStack.MERGE_MAX_INTERVAL_MS * 3 / 2 + 500;
            long start = System.nanoTime();
            // every member's round comes (a late timer on a busy machine may take longer than the window)...
            assertTrue(await(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < ch.size(); i++) if (merge(ch.get(i)).infosSent() - infos.get(i) < 2) return false;
                return true;
            }), () -> "INFO sent since the view formed: " + ch.stream().map(c -> merge(c).infosSent()).toList() + " from " + infos);
            // ...and for at least the longest interval between two rounds, none of them discovered anything
            long left = windowMs - (System.nanoTime() - start) / 1_000_000;
            if (left > 0) Thread.sleep(left); // asserts an absence over a window: nothing to poll for
            for (int i = 0; i < ch.size(); i++) {
                assertEquals(requests.get(i), discovery(ch.get(i)).getNumberOfDiscoveryRequestsSent(),
                        "n" + (i + 1) + " ran a discovery round while idle");
            }
        }
    }

    private static TCPPING discovery(PeerChannel c) {
        return c.jchannel().getProtocolStack().findProtocol(TCPPING.class);
    }

    private static StaticMerge merge(PeerChannel c) {
        return c.jchannel().getProtocolStack().findProtocol(StaticMerge.class);
    }

    private static List<PeerChannel> formCluster(PeerFixture f) throws Exception {
        Optional<byte[]> key = Optional.of(PeerFixture.key(3, 32));
        List<Recorder> rec = List.of(new Recorder(), new Recorder(), new Recorder());
        List<PeerChannel> ch = PeerChannelTest.openConcurrently(f, key, rec);
        assertTrue(await(Duration.ofSeconds(10), () -> ch.stream().allMatch(c -> c.members().equals(ALL))),
                () -> "views: " + views(ch));
        return ch;
    }

    private static boolean survivorsSee(List<PeerChannel> ch, Set<String> expected) {
        return ch.get(0).members().equals(expected) && ch.get(1).members().equals(expected);
    }

    private static List<Set<String>> views(List<PeerChannel> ch) {
        return ch.stream().map(PeerChannel::members).toList();
    }

    private static void report(String what, long t0) {
        System.out.printf("[measure] view shrink after %s: %d ms (fd timeout %d ms, heartbeat 150 ms, verify %d ms)%n",
                what, (System.nanoTime() - t0) / 1_000_000, FD_TIMEOUT.toMillis(), VERIFY.toMillis());
    }
}
