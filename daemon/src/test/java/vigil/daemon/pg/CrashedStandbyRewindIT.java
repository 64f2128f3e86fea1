package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.pg.PgFixture.require;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A standby whose host crashed, on a newer timeline than its control file's checkpoint (it followed a promotion and
 * no restartpoint ran since), is told to rewind before it rejoins. pg_rewind first finishes an unclean target's crash
 * recovery in single-user mode, which refuses to run with standby.signal: measured on the namespace rig, such a
 * standby retried pg_rewind forever ("standby mode is not supported by single-user servers"). The driver removes
 * the recovery signal files first; the rewound copy then starts as a standby and streams.
 */
class CrashedStandbyRewindIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aCrashedStandbyOnANewerTimelineThanItsControlFileIsRewoundAndStreamsAgain() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            List<PgFixture.Node> nodes = fx.primaryWithStandby();
            PgFixture.Node n1 = nodes.get(0);
            PgFixture.Node n2 = nodes.get(1);
            PgFixture.Node n3 = fx.standby("n3", n1);
            long system = n1.probe.probe().systemId();
            n1.execute("CREATE TABLE t (id int)");
            n1.execute("INSERT INTO t SELECT generate_series(1, 1000)");
            long written = n1.probe.probe().currentLsn();
            n3.awaitState(s -> s.replayLsn() >= written, WAIT, "n3 replayed n1's writes");
            require(n1.pg.stop(StopMode.FAST), "stop n1");
            require(n2.pg.promote(), "promote n2");
            n2.awaitState(s -> s.role() == PgRole.PRIMARY, WAIT, "n2 primary");
            require(n2.pg.checkpoint(), "CHECKPOINT on n2, as vigil runs after a promotion");
            require(n3.pg.repoint(n2.upstream()), "repoint n3 to n2");
            n2.execute("INSERT INTO t SELECT generate_series(1001, 2000)");
            long onTwo = n2.probe.probe().currentLsn();
            n3.awaitState(s -> s.timeline() == 2 && s.replayLsn() >= onTwo, WAIT, "n3 follows n2 on timeline 2");
            ControlData before = n3.pg.controlData().orElseThrow();
            org.junit.jupiter.api.Assumptions.assumeTrue(before.checkpointTimeline() == 1,
                    "a restartpoint on timeline 2 ran already; nothing to show: " + before);

            PgFixture.signal("KILL", n3.pg.postmasterPid().orElseThrow()); // the host's crash, as PostgreSQL sees it
            PgFixture.await(() -> n3.pg.postmasterRunning(), running -> !running, WAIT, "n3's postmaster gone");
            assertFalse(n3.pg.controlData().orElseThrow().state().clean(), "an unclean stop");
            assertTrue(Files.exists(n3.pg.dataDir().resolve("standby.signal")));

            CommandResult r = n3.pg.rewind(n2.upstream(), system);
            System.out.println("[observed] pg_rewind of a crashed standby on timeline 2 (control file: 1):\n" + r.outputTail());
            assertTrue(r.ok(), r.toString());
            n3.pg.configureStandby(n2.upstream());
            require(n3.pg.start(), "start n3");
            n3.awaitState(s -> s.timeline() == 2 && s.walReceiverStreaming(), WAIT, "n3 streams from n2 again");
            n2.execute("INSERT INTO t VALUES (2001)");
            long last = n2.probe.probe().currentLsn();
            n3.awaitState(s -> s.replayLsn() >= last, WAIT, "n3 replays new writes");
            try (var c = n3.connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                assertEquals(2001, rs.getLong(1), "every row, from both timelines");
            }
        }
    }
}
