package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.core.ha.PgView;
import vigil.daemon.pg.FakeBin;
import vigil.daemon.pg.PgProcesses;
import vigil.daemon.pg.PgState;

/**
 * {@link LocalView}'s stages for a stopped cluster, against fake PostgreSQL programs ({@link FakeBin}): the control
 * file, then where the WAL ends (pg_waldump) on the next probe, asked for at once. While a start of the primary is
 * asked and has not ended, pg_waldump neither runs nor is asked for: it ran beside a crashed primary's restart. Once
 * the start has ended (here: failed, the cluster still stopped), the next probe reads it.
 */
class LocalViewStartTest {
    @TempDir
    Path root;
    FakeBin fake;
    final AtomicBoolean starting = new AtomicBoolean();
    LocalView view;

    @BeforeEach
    void stoppedCluster() throws IOException {
        fake = new FakeBin(root);
        FakeBin.cluster(fake.data, "7700000000000000001", 1);
        Files.createDirectories(fake.data.resolve("pg_wal"));
        Files.createFile(fake.data.resolve("pg_wal/000000010000000000000003")); // the checkpoint's segment
        view = new LocalView(fake.pg, PgProcesses.processTree("test"), fake.pg.walEnd(),
                new ActionRunner(fake.pg, Map.of(), () -> { }), starting::get);
    }

    @Test
    void theWalEndIsReadOnTheProbeAfterTheControlFile() {
        PgView first = view.view(PgState.postmasterGone());
        assertEquals(PgView.Health.STOPPED, first.health());
        assertFalse(first.position().known(), "the checkpoint is a lower bound: " + first);
        assertTrue(view.walEndPending(), "the WAL end is asked for at once");
        PgView second = view.view(PgState.postmasterGone());
        assertTrue(second.position().known(), second.toString());
        assertEquals(0x3000100L, second.position().lsn());
        assertEquals(List.of("pg_controldata", "pg_waldump"), fake.ran());
    }

    @Test
    void notWhileAStartOfThePrimaryIsAskedAndNotEnded() {
        starting.set(true);
        PgView first = view.view(PgState.postmasterGone());
        assertFalse(first.position().known());
        assertFalse(view.walEndPending(), "no probe asked for the WAL end beside the start");
        PgView second = view.view(PgState.postmasterGone());
        assertFalse(second.position().known(), second.toString());
        assertEquals(List.of("pg_controldata"), fake.ran(), "no pg_waldump beside the start");

        starting.set(false); // the start ended, and the cluster is still stopped
        assertTrue(view.walEndPending());
        PgView after = view.view(PgState.postmasterGone());
        assertTrue(after.position().known(), after.toString());
        assertEquals(List.of("pg_controldata", "pg_waldump"), fake.ran());
    }
}
