package vigil.daemon.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a peer counts as hearing every datagram of ours (no TCP copy needed), and when it stops counting. */
class DatagramHealthTest {
    static final long FRESH = 225;
    static final long CLEAN = 2000;
    DatagramHealth health = new DatagramHealth(FRESH, CLEAN);

    @Test
    void aPeerHearsUsOnlyWhileItsLatestDatagramSaysSoAndIsFresh() {
        assertFalse(health.hearsMe("n2", 0), "nothing heard yet");
        health.received("n2", 0, 0, 100);
        assertFalse(health.hearsMe("n2", 100), "its datagram did not say so");
        health.received("n2", 1, DatagramHealth.HEARS_YOU, 250);
        assertTrue(health.hearsMe("n2", 250));
        assertTrue(health.hearsMe("n2", 250 + FRESH));
        assertFalse(health.hearsMe("n2", 251 + FRESH), "silent for more than one and a half heartbeats: both copies again");
        health.received("n2", 2, 0, 400);
        assertFalse(health.hearsMe("n2", 400), "its latest datagram takes it back");
    }

    @Test
    void weSayWeHearAPeerOnlyWhileItsDatagramsComeWithoutAGap() {
        assertEquals(0, health.flagsFor("n2", 0), "nothing heard yet");
        health.received("n2", 10, 0, 100);
        assertEquals(0, health.flagsFor("n2", 100), "the first one only sets the count: nothing known before it");
        for (int seq = 11, t = 250; t <= 100 + CLEAN; seq++, t += 150) health.received("n2", seq, 0, t);
        assertEquals(DatagramHealth.HEARS_YOU, health.flagsFor("n2", 100 + CLEAN));
        health = new DatagramHealth(FRESH, CLEAN);
        health.received("n2", 10, 0, 100 - CLEAN);
        health.received("n2", 11, 0, 250);
        health.received("n2", 13, 0, 550); // 12 went missing
        assertEquals(0, health.flagsFor("n2", 550));
        health.received("n2", 14, 0, 700);
        assertEquals(0, health.flagsFor("n2", 700), "still within " + CLEAN + " ms of the gap");
        for (int seq = 15, t = 850; t <= 550 + CLEAN; seq++, t += 150) health.received("n2", seq, 0, t);
        assertEquals(DatagramHealth.HEARS_YOU, health.flagsFor("n2", 550 + CLEAN));
        assertEquals(0, health.flagsFor("n2", 550 + CLEAN + FRESH + 1), "and not once it falls silent");
    }

    @Test
    void aCopyOrALateDatagramIsNoGapButARestartedSenderIs() {
        health.received("n2", 100_000, 0, -CLEAN);
        health.received("n2", 100_001, 0, 150);
        health.received("n2", 100_001, DatagramHealth.HEARS_YOU, 160); // the same datagram sent again
        health.received("n2", 99_999, DatagramHealth.HEARS_YOU, 170); // a late one
        assertEquals(DatagramHealth.HEARS_YOU, health.flagsFor("n2", 170), "nothing missing");
        assertFalse(health.hearsMe("n2", 170), "a copy's or a late one's flag is older than what the newest said");
        health.received("n2", 7, 0, 300); // it restarted, and counts from elsewhere
        assertEquals(0, health.flagsFor("n2", 300), "what it sent before the restart is unknown");
        health.received("n2", 8, 0, 450);
        assertEquals(0, health.flagsFor("n2", 450));
        health.received("n2", 9_000_000, 0, 600); // and once more, counting from higher up
        assertEquals(0, health.flagsFor("n2", 600 + CLEAN - 1));
    }

    @Test
    void aVigildOfTheOlderFormatNeverHearsUsAndGetsBothCopies() {
        health.receivedLegacy("n2", 100);
        assertFalse(health.hearsMe("n2", 100));
        assertEquals(0, health.flagsFor("n2", 100));
    }

    @Test
    void sequenceNumbersCountPerReceiver() {
        int first = health.nextSeq("n2");
        assertEquals(first + 1, health.nextSeq("n2"));
        health.nextSeq("n3");
        assertEquals(first + 2, health.nextSeq("n2"), "n3's count is its own");
    }
}
