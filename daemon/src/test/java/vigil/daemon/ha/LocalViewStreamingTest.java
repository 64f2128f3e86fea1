package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import vigil.daemon.pg.PgRole;
import vigil.daemon.pg.PgState;
import vigil.daemon.pg.Upstream;

/**
 * {@link LocalView#streamsFromUpstream}: the core reads "streaming from its upstream" as "holds a prefix of that
 * node's WAL", so a WAL receiver still connected to another server (the moment after a repoint) must not count.
 */
class LocalViewStreamingTest {
    private static final Upstream N1 = new Upstream("10.232.1.1", 5432);

    private static PgState standby(boolean streaming, Upstream sender) {
        return new PgState(true, PgState.Failure.NONE, null, PgRole.STANDBY, 7, 1, 0, 0x3000, 0x3000, 0x3000, true,
                "RecoveryWalStream", streaming, sender, Optional.empty(), "", "on");
    }

    @Test
    void aReceiverStreamingFromTheConfiguredUpstreamStreams() {
        assertTrue(LocalView.streamsFromUpstream(standby(true, N1), "n1", "n1"));
    }

    @Test
    void aReceiverStillStreamingFromTheOldUpstreamAfterARepointDoesNot() {
        assertFalse(LocalView.streamsFromUpstream(standby(true, N1), "n2", "n1"));
    }

    @Test
    void aReceiverThatDoesNotStreamDoesNot() {
        assertFalse(LocalView.streamsFromUpstream(standby(false, null), "n1", null));
    }

    @Test
    void aSenderThatIsNoMembersAddressOrNoConfiguredUpstreamKeepsTheReceiversWord() {
        assertTrue(LocalView.streamsFromUpstream(standby(true, null), "n1", null), "details hidden from the probe's role");
        assertTrue(LocalView.streamsFromUpstream(standby(true, new Upstream("db1.example", 5432)), "n1", null),
                "the same server named otherwise, or a conninfo vigil did not write");
        assertTrue(LocalView.streamsFromUpstream(standby(true, N1), null, "n1"), "no upstream configured by vigil");
    }
}
