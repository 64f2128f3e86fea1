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

class StateStoreTest {
    @TempDir Path dir;

    @Test
    void aFreshNodeStartsAtTermZeroAndSavedStateSurvivesReopening() throws Exception {
        Path state = dir.resolve("state");
        try (StateStore s = StateStore.open(state)) {
            assertEquals(Durable.INITIAL, s.load());
            s.save(new Durable(7, "n2", new ClusterRecord(6, 1, "n1", "n1", 2, java.util.List.of("n2", "n3"))));
        }
        try (StateStore s = StateStore.open(state)) {
            assertEquals(new Durable(7, "n2", new ClusterRecord(6, 1, "n1", "n1", 2, java.util.List.of("n2", "n3"))), s.load());
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
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
