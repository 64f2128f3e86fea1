package vigil.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.core.ha.HaFixture.*;

import org.junit.jupiter.api.Test;

/**
 * The reclaim window: after a vigild restart, the recorded primary keeps its still-writable PostgreSQL while it
 * regains leadership — once per kernel boot, for a window fixed on disk ({@code HaDurable.reclaimUntil}) that a
 * crash loop cannot renew, ending like a lease ({@code selfFenceMarginMs} early), and cleared once the node leads.
 */
class ReclaimWindowTest {
    /** vigild started at NOW on n1, whose PostgreSQL still serves as the recorded primary. */
    static final long FIRST_PROBE = NOW + 10;
    static final long WINDOW_END = FIRST_PROBE + RECLAIM_MS;

    /** The decision on the first probe after a restart at NOW: the window opens and is written to disk. */
    static HaDecision firstProbe() {
        return probe(SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL), restartedPrimary(), primary(PRIMARY_LSN),
                FIRST_PROBE);
    }

    @Test
    void aRestartedRecordedPrimaryKeepsServingInAWindowWrittenToDisk() {
        HaDecision d = firstProbe();
        assertFalse(fences(d));
        assertEquals(HaReason.RECLAIMING, reason(d));
        assertEquals(BOOT, d.persist().reclaimBoot());
        assertEquals(WINDOW_END, d.persist().reclaimUntil());
    }

    @Test
    void theWindowEndsTheFenceMarginBeforeItsEnd() {
        SupervisorState s = firstProbe().next();
        assertFalse(fences(probe(s, restartedPrimary(), primary(PRIMARY_LSN), WINDOW_END - MARGIN - 1)));
        HaDecision end = probe(s, restartedPrimary(), primary(PRIMARY_LSN), WINDOW_END - MARGIN);
        assertTrue(fences(end));
        assertEquals(HaReason.SELF_FENCE, reason(end));
    }

    @Test
    void aRestartWithinTheSameBootDoesNotRenewTheWindow() {
        HaDurable onDisk = firstProbe().persist();
        SupervisorState again = SupervisorState.boot(NOW + 5_000, BOOT, onDisk);
        HaDecision within = probe(again, restartedPrimary(), primary(PRIMARY_LSN), NOW + 5_010);
        assertFalse(fences(within));
        assertNull(within.persist(), "the window on disk is kept as it is: " + within.persist());
        // A renewed window would run to NOW + 5_010 + RECLAIM_MS; the one on disk ends first.
        HaDecision after = probe(within.next(), restartedPrimary(), primary(PRIMARY_LSN), WINDOW_END - MARGIN);
        assertTrue(fences(after));
    }

    @Test
    void aRestartAfterTheWindowWithinTheSameBootFencesAtOnce() {
        HaDurable onDisk = firstProbe().persist();
        SupervisorState again = SupervisorState.boot(WINDOW_END + 1_000, BOOT, onDisk);
        HaDecision d = probe(again, restartedPrimary(), primary(PRIMARY_LSN), WINDOW_END + 1_010);
        assertTrue(fences(d));
        assertEquals(HaReason.SELF_FENCE, reason(d));
    }

    @Test
    void aNewBootOpensANewWindow() {
        HaDurable onDisk = firstProbe().persist();
        // The host rebooted: its monotonic clock started again, the old window's instants mean nothing.
        SupervisorState rebooted = SupervisorState.boot(500, "boot-b", onDisk);
        HaDecision d = probe(rebooted, restartedPrimary(), primary(PRIMARY_LSN), 510);
        assertFalse(fences(d));
        assertEquals("boot-b", d.persist().reclaimBoot());
        assertEquals(510 + RECLAIM_MS, d.persist().reclaimUntil());
    }

    @Test
    void leadingClearsTheWindowAndALaterLossOfTheLeaseFencesAtOnce() {
        SupervisorState reclaiming = firstProbe().next();
        HaDecision leads = probe(reclaiming, clusterWithPrimary(), primary(PRIMARY_LSN), NOW + 100);
        assertEquals(0, leads.persist().reclaimUntil());
        assertEquals("", leads.persist().reclaimBoot());
        assertTrue(leads.next().boot().ledSinceBoot());
        HaDecision lost = probe(leads.next(), restartedPrimary(), primary(PRIMARY_LSN), NOW + 200);
        assertTrue(fences(lost), "well within the old window, but it led since: no reclaim");
    }

    @Test
    void onlyTheRecordedPrimaryReclaims() {
        SupervisorState booted = SupervisorState.boot(NOW, BOOT, HaDurable.INITIAL);
        HaDecision d = probe(booted, followerOfNewPrimary("n1"), primary(PRIMARY_LSN), FIRST_PROBE);
        assertTrue(fences(d));
        assertEquals(0, d.next().durable().reclaimUntil());
    }
}
