package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import vigil.core.ha.PgView;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;
import vigil.daemon.pg.Upstream;

/**
 * {@link UpstreamWal}: asked only while a standby does not stream, its answer carried only for the exact position it
 * was asked for, and never an answer of a check that began before the standby streamed again.
 */
class UpstreamWalTest {
    static final String GONE = "58P01: requested WAL segment 000000010000000000000003 has already been removed";
    static final Map<String, Upstream> UPSTREAMS = Map.of("n1", new Upstream("10.232.1.11", 5432));

    final AtomicLong clock = new AtomicLong(1_000);
    final List<PgView.Position> asked = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n2", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.INFO);

    static PgView stalled(long lsn) {
        return PgView.standby(1, lsn, false, "n1");
    }

    /** Annotates {@code v} until it carries an answer, for at most 5 s; the last view read. */
    static PgView awaitAnswer(UpstreamWal w, PgView v) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        PgView seen = w.annotate(v, null);
        while (seen.replication().walGone() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
            seen = w.annotate(v, null);
        }
        return seen;
    }

    @Test
    void theAnswerHoldsOnlyForThePositionItWasAskedFor() throws Exception {
        try (UpstreamWal w = new UpstreamWal((u, at) -> {
            asked.add(at);
            return GONE;
        }, UPSTREAMS, clock::get, log)) {
            assertNull(w.annotate(PgView.standby(1, 500, true, "n1"), null).replication().walGone());
            assertTrue(asked.isEmpty(), "a streaming standby is never asked about");
            assertEquals(GONE, awaitAnswer(w, stalled(500)).replication().walGone());
            assertEquals(List.of(new PgView.Position(1, 500, true)), asked);
            assertTrue(logged.toString(StandardCharsets.UTF_8).contains("reason=UPSTREAM_WAL_REMOVED"), logged.toString());
            assertNull(w.annotate(stalled(600), null).replication().walGone(), "replaying on: the answer was for 0/1F4");
            assertNull(w.annotate(PgView.standby(2, 600, false, "n1"), null).replication().walGone(), "another timeline");
            assertEquals(1, asked.size(), "not asked again within 5 s");
            clock.addAndGet(UpstreamWal.EVERY_MS);
            assertEquals(GONE, awaitAnswer(w, stalled(600)).replication().walGone(), "asked again for where it stands now");
        }
    }

    @Test
    void aCheckUnderWayWhenTheStandbyStreamsAgainIsNotCarried() throws Exception {
        CountDownLatch askedOnce = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (UpstreamWal w = new UpstreamWal((u, at) -> {
            askedOnce.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return GONE;
        }, UPSTREAMS, clock::get, log)) {
            w.annotate(stalled(500), null);
            assertTrue(askedOnce.await(5, TimeUnit.SECONDS));
            w.annotate(PgView.standby(1, 500, true, "n1"), null); // streams again: whatever the check says is old
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < deadline) {
                assertNull(w.annotate(stalled(500), null).replication().walGone(), "the check began before it streamed");
                Thread.sleep(10);
            }
        }
    }

    @Test
    void noAnswerIsNoRemoval() throws Exception {
        try (UpstreamWal w = new UpstreamWal((u, at) -> {
            asked.add(at);
            return null;
        }, UPSTREAMS, clock::get, log)) {
            w.annotate(stalled(500), null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (asked.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(1, asked.size());
            assertNull(w.annotate(stalled(500), null).replication().walGone());
            assertNull(w.annotate(PgView.standby(1, 500, false, "n9"), null).replication().walGone(), "an unknown upstream");
        }
    }

    /**
     * A standby not yet consistent (FAILING): asked where the driver says its replay needs WAL (which may differ from
     * where replay stands), and the answer holds only while that is still where.
     */
    @Test
    void aStandbyNotYetConsistentIsAskedForTheSegmentItWaitsFor() throws Exception {
        PgView recovering = new PgView(PgView.Health.FAILING, null, new PgView.Position(1, 2L << 24, false),
                new PgView.Replication(false, "n1", null, null), PgView.Disk.CLUSTER);
        PgView.Position next = new PgView.Position(1, 3L << 24, false);
        try (UpstreamWal w = new UpstreamWal((u, at) -> {
            asked.add(at);
            return GONE;
        }, UPSTREAMS, clock::get, log)) {
            assertNull(w.annotate(recovering, null).replication().walGone(), "no segment it waits for: nothing asked");
            assertTrue(asked.isEmpty());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            PgView seen = w.annotate(recovering, next);
            while (seen.replication().walGone() == null && System.nanoTime() < deadline) {
                Thread.sleep(5);
                seen = w.annotate(recovering, next);
            }
            assertEquals(GONE, seen.replication().walGone());
            assertEquals(List.of(next), asked);
            assertNull(w.annotate(recovering, new PgView.Position(1, 4L << 24, false)).replication().walGone(),
                    "it moved on to the next segment: the answer was for the one before");
        }
    }
}
