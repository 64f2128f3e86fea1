package vigil.core.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SentTimesTest {

    @Test
    void keepsTheNewestHeartbeatsAndForgetsTheOldest() {
        SentTimes s = SentTimes.none();
        for (long seq = 1; seq <= 10; seq++) s = s.with(seq, 1000 + seq * 150, 4);
        assertEquals(4, s.size());
        assertNull(s.at(6), "older than the window: forgotten");
        assertEquals(1000 + 7 * 150, s.at(7));
        assertEquals(1000 + 10 * 150, s.at(10));
        assertNull(s.at(11), "not sent yet");
        assertNull(s.at(0));
    }

    @Test
    void aNumberThatDoesNotFollowStartsAfreshRatherThanMisreadingAGap() {
        SentTimes s = SentTimes.none().with(1, 100, 8).with(2, 250, 8).with(5, 700, 8);
        assertEquals(1, s.size());
        assertNull(s.at(2), "forgotten: an acknowledgement of it renews nothing");
        assertNull(s.at(4), "never sent");
        assertEquals(700L, s.at(5));
    }

    @Test
    void comparesByValueAndLeavesTheOriginalUnchanged() {
        SentTimes one = SentTimes.of(50, 930);
        SentTimes two = one.with(51, 1080, 256);
        assertEquals(1, one.size(), "immutable");
        assertEquals(SentTimes.of(50, 930).with(51, 1080, 256), two);
        assertEquals(two.hashCode(), SentTimes.of(50, 930).with(51, 1080, 256).hashCode());
        assertNotEquals(SentTimes.of(50, 930), SentTimes.of(50, 931));
        assertNotEquals(SentTimes.of(50, 930), SentTimes.of(51, 930));
        assertEquals(SentTimes.none(), SentTimes.none());
    }

    @Test
    void keepingOneHoldsOnlyTheNewest() {
        SentTimes s = SentTimes.of(1, 100).with(2, 250, 1);
        assertEquals(1, s.size());
        assertNull(s.at(1));
        assertEquals(250L, s.at(2));
    }
}
