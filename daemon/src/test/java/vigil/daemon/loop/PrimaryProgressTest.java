package vigil.daemon.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** {@link PrimaryProgress}: a standby's lag in seconds is the age of the oldest WAL it lacks. */
class PrimaryProgressTest {
    private final PrimaryProgress p = new PrimaryProgress();

    @Test
    void aStandbyLagsBySinceThePrimaryWasFirstSeenBeyondIt() {
        p.saw(2, 1000, 10_000);
        p.saw(2, 2000, 10_500);
        p.saw(2, 3000, 11_000);
        assertEquals(0.0, p.lagSeconds(2, 3000, 12_000), "at the primary's newest position: no lag");
        assertEquals(0.0, p.lagSeconds(2, 3500, 12_000), "ahead of what was seen (the primary's report is older)");
        assertEquals(1.0, p.lagSeconds(2, 2000, 12_000), "lacks what the primary wrote after 2000, first seen at 11 000");
        assertEquals(1.5, p.lagSeconds(2, 1500, 12_000));
        assertEquals(2.0, p.lagSeconds(2, 500, 12_000), "behind everything kept: at least the oldest sample's age");
    }

    @Test
    void anIdlePrimaryLeavesAStandbyThatCaughtUpAtNoLag() {
        p.saw(2, 1000, 10_000);
        for (long t = 10_100; t < 70_000; t += 100) p.saw(2, 1000, t); // the same position for a minute
        assertEquals(0.0, p.lagSeconds(2, 1000, 70_000));
        assertEquals(60.0, p.lagSeconds(2, 999, 70_000), "one byte short for a minute is a minute behind");
    }

    @Test
    void positionsSeenWithinOneSampleTimeJoinTheSampleOfTheFirst() {
        p.saw(2, 1000, 10_000);
        p.saw(2, 1100, 10_050);
        p.saw(2, 1200, 10_090);
        assertEquals(0.0, p.lagSeconds(2, 1200, 11_000));
        assertEquals(1.0, p.lagSeconds(2, 1100, 11_000), "at most one sample time too much, never too little");
    }

    @Test
    void anotherTimelineIsNotMeasuredAndANewOneStartsAfresh() {
        assertNull(p.lagSeconds(2, 1000, 10_000), "nothing seen yet");
        p.saw(2, 5000, 10_000);
        assertNull(p.lagSeconds(1, 1000, 11_000), "a standby still on the old timeline: unknown");
        p.saw(3, 6000, 20_000);
        p.saw(3, 7000, 21_000);
        assertNull(p.lagSeconds(2, 1000, 22_000));
        assertEquals(1.0, p.lagSeconds(3, 6000, 22_000));
    }

    @Test
    void theRingKeepsTheNewestSamples() {
        long t = 0;
        for (int i = 1; i <= PrimaryProgress.KEPT + 10; i++) p.saw(2, i * 10L, t += PrimaryProgress.SAMPLE_MS);
        // the ten oldest samples (positions 10..100) were overwritten: the oldest kept is position 110
        assertEquals((t - 11 * PrimaryProgress.SAMPLE_MS) / 1000.0, p.lagSeconds(2, 0, t), 1e-9);
        assertEquals(0.0, p.lagSeconds(2, (PrimaryProgress.KEPT + 9) * 10L, t), 1e-9, "only the newest sample is beyond");
        assertEquals(PrimaryProgress.SAMPLE_MS / 1000.0, p.lagSeconds(2, (PrimaryProgress.KEPT + 8) * 10L, t), 1e-9);
    }
}
