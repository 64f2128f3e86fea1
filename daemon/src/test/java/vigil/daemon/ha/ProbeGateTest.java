package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A probe read across an action's end, a freeze or a thaw never reaches the loop ({@link ProbeGate}). */
class ProbeGateTest {
    @Test
    void aViewReadAcrossAnActionsEndIsDroppedAndTheNextPasses() {
        ProbeGate gate = new ProbeGate();
        List<String> loop = new ArrayList<>();
        ProbeGate.Ticket before = gate.open(); // the probe begins: no postmaster yet, it will say "stopped"
        gate.actionEnded(() -> loop.add("StartStandby ended"));
        assertFalse(gate.pass(before, () -> loop.add("stopped")), "read before the start ended: stale");
        ProbeGate.Ticket after = gate.open();
        assertTrue(gate.pass(after, () -> loop.add("standby")));
        assertEquals(List.of("StartStandby ended", "standby"), loop, "the loop never sees the stale view");
    }

    @Test
    void aViewReadAcrossAFreezeOrThawIsDropped() {
        ProbeGate gate = new ProbeGate();
        ProbeGate.Ticket t = gate.open();
        gate.frozenOrThawed();
        assertFalse(gate.pass(t, () -> { throw new AssertionError("delivered"); }));
        assertTrue(gate.pass(gate.open(), () -> { }));
    }

    @Test
    void aViewThatPassedIsQueuedBeforeAnyEndItDidNotSee() throws Exception {
        // The check and the hand-over are one step: an action's end reported meanwhile waits for it.
        ProbeGate gate = new ProbeGate();
        List<String> loop = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ProbeGate.Ticket t = gate.open();
        Thread probe = new Thread(() -> gate.pass(t, () -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loop.add("view");
        }));
        probe.start();
        inside.await();
        Thread action = new Thread(() -> gate.actionEnded(() -> loop.add("end")));
        action.start();
        action.join(200); // it cannot get in while the view is being handed over
        assertTrue(action.isAlive(), "the end waits for the hand-over under way");
        release.countDown();
        probe.join();
        action.join();
        assertEquals(List.of("view", "end"), loop);
    }
}
