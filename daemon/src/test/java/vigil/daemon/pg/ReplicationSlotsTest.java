package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The slot names and statements; what they do to a real PostgreSQL is {@code ReplicationSlotsIT}'s. */
class ReplicationSlotsTest {
    @Test
    void oneSlotPerOtherDataNodeNamedAfterIt() {
        ReplicationSlots s = ReplicationSlots.of("db-2", List.of("db-3", "db-1", "db-2"), 1L << 30);
        assertEquals("vigil_db_2", s.own(), "a slot name has no '-'");
        assertEquals(List.of("vigil_db_1", "vigil_db_3"), s.others());
        assertTrue(s.enabled());
        assertFalse(ReplicationSlots.NONE.enabled());
    }

    @Test
    void aStandbyNeitherReservesNorKeepsReservingSlots() {
        ReplicationSlots s = ReplicationSlots.of("n2", List.of("n1", "n2", "n3"), 1L << 30);
        assertTrue(s.makeStatement(false).contains("pg_create_physical_replication_slot(n, false)"), s.makeStatement(false));
        assertTrue(s.makeStatement(true).contains("pg_create_physical_replication_slot(n, true)"), s.makeStatement(true));
        assertTrue(s.dropStatement(false).contains("OR s.restart_lsn IS NOT NULL"), "a standby drops reserving slots");
        assertFalse(s.dropStatement(true).contains("restart_lsn"), "a primary keeps them");
        assertTrue(s.dropStatement(true).contains("OR s.wal_status = 'lost'"), "a primary makes invalidated ones again");
        assertFalse(s.dropStatement(false).contains("OR s.wal_status = 'lost'"), s.dropStatement(false));
        assertTrue(s.dropStatement(true).contains("NOT s.active AND s.slot_name LIKE 'vigil\\_%'")
                && s.dropStatement(true).contains("ARRAY['vigil_n1','vigil_n3']"), s.dropStatement(true));
    }
}
