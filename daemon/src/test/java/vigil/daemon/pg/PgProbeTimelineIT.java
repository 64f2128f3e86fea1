package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static vigil.daemon.pg.PgFixture.require;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A standby's timeline belongs to its position, also when its WAL receiver is not running. The case that matters:
 * a standby that followed a promoted primary onto its new timeline, past the fork, and then lost it (the new primary
 * stopped, or the receiver restarts). Its last restartpoint is still on the old timeline, so the checkpoint's timeline
 * with the position past the fork reads as "on timeline 1 past the fork of timeline 2": a divergence that is not
 * there, which would make the supervisor stop and rewind a healthy standby (and, with the primary gone, leave no
 * standby to promote).
 */
class PgProbeTimelineIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aStandbyThatCrossedOntoTheNewTimelineReportsItWithoutItsReceiver() throws Exception {
        try (PgFixture fx = new PgFixture()) {
            List<PgFixture.Node> two = fx.primaryWithStandby();
            PgFixture.Node n1 = two.get(0);
            PgFixture.Node n2 = two.get(1);
            PgFixture.Node n3 = fx.standby("n3", n1);
            n1.execute("CREATE TABLE t (id int)");
            n1.execute("INSERT INTO t SELECT generate_series(1, 1000)");
            long sent = n1.probe.probe().currentLsn();
            n2.awaitState(s -> s.position() >= sent, WAIT, "n2 caught up");
            n3.awaitState(s -> s.position() >= sent, WAIT, "n3 caught up");
            require(n1.pg.stop(StopMode.FAST), "stop n1");
            require(n2.pg.promote(), "promote n2");
            PgState primary = n2.awaitState(s -> s.reachable() && s.role() == PgRole.PRIMARY
                    && s.forkPoint().isPresent(), WAIT, "n2 primary on timeline 2");
            long fork = primary.forkPoint().orElseThrow().switchLsn();
            require(n3.pg.repoint(n2.upstream()), "repoint n3 to n2");
            n2.execute("INSERT INTO t SELECT generate_series(1, 1000)");
            long past = n2.probe.probe().currentLsn();
            assertTrue(past > fork, "n2 wrote past its fork");
            PgState streaming = n3.awaitState(s -> s.walReceiverStreaming() && s.timeline() == 2
                    && s.position() >= past, WAIT, "n3 streams timeline 2 past the fork");
            require(n2.pg.stop(StopMode.IMMEDIATE), "n2 gone");
            ControlData cd = n3.pg.controlData().orElseThrow();
            assumeTrue(cd.checkpointTimeline() == 1,
                    "a restartpoint on timeline 2 already happened, so this run cannot tell the sources apart: " + cd);
            PgState alone = n3.awaitState(s -> s.reachable() && !s.walReceiverStreaming(), WAIT,
                    "n3's receiver stopped");
            System.out.println("[observed] standby past the fork without its receiver: " + alone + " (control: " + cd
                    + ", streaming was " + streaming + ")");
            assertEquals(2, alone.timeline(), "the timeline of the WAL it holds, not of its last restartpoint: " + alone);
            assertTrue(alone.position() > fork, alone.toString());
            for (int i = 0; i < 10; i++) {
                PgState s = n3.probe.probe();
                assertEquals(2, s.timeline(), s.toString());
            }
            n3.probe.close();
            assertEquals(2, n3.probe.probe().timeline(), "also on a new probe connection");
        }
    }
}
