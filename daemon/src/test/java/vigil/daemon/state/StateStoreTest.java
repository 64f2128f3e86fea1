package vigil.daemon.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.core.election.ClusterRecord;
import vigil.core.election.Durable;
import vigil.core.election.PgRecord;
import vigil.core.ha.HaDurable;
import java.util.List;
import java.util.Map;

class StateStoreTest {
    @TempDir Path dir;

    @Test
    void aFreshNodeStartsAtTermZeroAndSavedStateSurvivesReopening() throws Exception {
        Path state = dir.resolve("state");
        // Every field of the record and of the supervisor's part, including an unsigned system identifier.
        ClusterRecord record = new ClusterRecord(6, 1, "n1", new PgRecord("n1", -5_000_000_000_000_000_000L, 3,
                new PgRecord.Fork(2, 0x3000148L), List.of("n2", "n3"), "n2",
                new PgRecord.Confirmed("n2", 6, "alice", "2026-12-01T02:40:00Z"),
                new PgRecord.Paused("bob", "2026-12-01T22:00:00Z", 6), List.of("n3")), Map.of("n1", 6L, "n2", 4L),
                Map.of("n2", 4L, "n1", 3L));
        HaDurable ha = new HaDurable(true, "6f1c-boot", 123_456L);
        try (StateStore s = StateStore.open(state)) {
            assertEquals(StateStore.Saved.INITIAL, s.load());
            s.save(new Durable(7, "n2", record), ha);
        }
        try (StateStore s = StateStore.open(state)) {
            assertEquals(new StateStore.Saved(new Durable(7, "n2", record), ha), s.load());
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
    }

    @Test
    void aVersionOneFileLoadsWithTheNewPartsEmpty() throws Exception {
        Files.writeString(dir.resolve(StateStore.FILE), "version=1\nterm=4\nvoted_for=n1\nrecord_term=3\nrecord_version=2\n"
                + "record_leader=n1\nrecord_primary=n1\nrecord_timeline=2\nrecord_sync=n2\n");
        try (StateStore s = StateStore.open(dir)) {
            StateStore.Saved saved = s.load();
            assertEquals(new Durable(4, "n1", new ClusterRecord(3, 2, "n1", new PgRecord("n1", 0, 2, null, List.of("n2"), null),
                    Map.of("n1", 3L))), saved.election());
            assertEquals(HaDurable.INITIAL, saved.ha());
        }
    }

    @Test
    void twoDaemonsCannotShareAStateDirectory() throws Exception {
        try (StateStore first = StateStore.open(dir)) {
            StateException e = assertThrows(StateException.class, () -> StateStore.open(dir));
            assertTrue(e.getMessage().contains("another vigild"), e.getMessage());
        }
    }

    @Test
    void aDamagedFileIsAnErrorNotTermZero() throws Exception {
        Files.writeString(dir.resolve(StateStore.FILE), "version=1\nterm=banana\nvoted_for=\nrecord_term=0\nrecord_leader=\n");
        try (StateStore s = StateStore.open(dir)) {
            StateException e = assertThrows(StateException.class, s::load);
            assertTrue(e.getMessage().contains("damaged election state"), e.getMessage());
        }
        Files.writeString(dir.resolve(StateStore.FILE), "version=1\nterm=3\n");
        try (StateStore s = StateStore.open(dir)) {
            assertTrue(assertThrows(StateException.class, s::load).getMessage().contains("missing voted_for"));
        }
    }
}
