package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.pg.PgFixture.require;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fresh clone's control file is the running primary's ("in production"): without the rejoin marker the node
 * step would take the copy for an old primary and rewind it forever (seen in PostgresFaultsIT: REWIND "it was
 * writable", pg_rewind "no rewind required", again).
 */
class RejoinMarkerIT {
    PgFixture fx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new PgFixture();
    }

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void aFreshCloneSaysInProductionButIsMarkedRejoinedUntilItMayWrite() throws Exception {
        PgFixture.Node primary = fx.primary();
        PgFixture.Node copy = fx.node("n2");
        require(copy.pg.cloneFrom(primary.upstream(), 0), "clone n2");
        ControlData cd = copy.pg.controlData().orElseThrow();
        assertEquals(ControlData.ClusterState.IN_PRODUCTION, cd.state(), "pg_basebackup copies the primary's state");
        assertTrue(copy.pg.rejoinedAt(cd), "the clone is marked: it never ran as a primary here");

        copy.pg.configurePrimary(); // the next start may write: the marker goes
        assertFalse(copy.pg.rejoinedAt(cd));
    }
}
