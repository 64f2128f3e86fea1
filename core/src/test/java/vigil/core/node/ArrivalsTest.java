package vigil.core.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.core.election.Candidacy;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Message;

class ArrivalsTest {
    static final Candidacy C = new Candidacy(true, 1, 0, true);

    static Message.Heartbeat hb(long term, long seq) {
        return new Message.Heartbeat(term, seq, new ClusterRecord(term, 0, "n1", null, 0, List.of()), Map.of(), Map.of());
    }

    static Message.HeartbeatAck ack(long term, long seq) {
        return new Message.HeartbeatAck(term, seq, C);
    }

    @Test
    void theFirstCopyOfAHeartbeatGoesOnAndTheSecondIsDropped() {
        Arrivals a = new Arrivals();
        assertTrue(a.admit("n1", hb(3, 10)));
        assertFalse(a.admit("n1", hb(3, 10)), "the copy by the other path");
        assertFalse(a.admit("n1", hb(3, 9)), "an older one that TCP delivered late");
        assertTrue(a.admit("n1", hb(3, 11)));
    }

    @Test
    void aNewTermStartsItsSequenceAfresh() {
        Arrivals a = new Arrivals();
        assertTrue(a.admit("n1", hb(3, 500)));
        assertTrue(a.admit("n2", hb(4, 1)), "another sender");
        assertTrue(a.admit("n1", hb(5, 1)), "n1 leads again in a later term");
        assertFalse(a.admit("n1", hb(3, 501)), "its old term is over");
    }

    @Test
    void acknowledgementsAreCountedApartFromHeartbeatsAndPerSender() {
        Arrivals a = new Arrivals();
        assertTrue(a.admit("n2", ack(3, 10)));
        assertTrue(a.admit("n3", ack(3, 10)));
        assertTrue(a.admit("n2", hb(3, 10)), "a heartbeat with the same numbers is another kind");
        assertFalse(a.admit("n2", ack(3, 10)));
        assertFalse(a.admit("n3", ack(3, 8)));
        assertTrue(a.admit("n3", ack(3, 12)));
    }

    @Test
    void everyOtherMessagePassesEvenTwice() {
        Arrivals a = new Arrivals();
        Message vote = new Message.VoteReply(3, true);
        assertTrue(a.admit("n2", vote));
        assertTrue(a.admit("n2", vote));
        assertTrue(a.admit("n2", new Message.Stale(2)));
    }
}
