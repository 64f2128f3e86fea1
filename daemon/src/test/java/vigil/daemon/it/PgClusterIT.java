package vigil.daemon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import vigil.testkit.ClusterShape;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.PgOptions;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriterRun;

/**
 * An IT class over one cluster of three vigild on real PostgreSQL ({@link PgRig}) for all its cases: started before
 * the first (skipped when the host cannot run it), its logs printed when a case fails, stopped after the last. A
 * subclass says what the cluster is made of ({@link #shape}) and whether a writer runs ({@link #withWriter}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PgClusterIT {
    PgRig fx;
    NetnsRig rig;
    VigilCluster cluster;
    PgNodes pg;
    /** Null without {@link #withWriter}. */
    WriterRun writer;

    @RegisterExtension
    final TestWatcher dumpLogsOnFailure = RigIt.dumpOnFailure(() -> fx == null ? null : fx.logs());

    /** Asynchronous replication, failover without fencing, nothing else: the rig's default cluster. */
    ClusterShape shape() {
        return ClusterShape.of(Timing.DEFAULT).pg(PgOptions.ASYNC);
    }

    /** A writer writing through the VIP {@code db} when {@link #shape} has it, to whichever node answers as the primary otherwise. */
    boolean withWriter() {
        return true;
    }

    @BeforeAll
    void startCluster() {
        fx = PgRig.start(getClass().getSimpleName(), shape(), withWriter());
        rig = fx.rig;
        cluster = fx.cluster;
        pg = fx.pg;
        writer = fx.writer;
    }

    @AfterAll
    void stopCluster() {
        if (fx != null) fx.close();
    }

    /**
     * Polls until {@code leader} knows {@code standby} to be at most {@code bytes} behind the primary (its status, the
     * view a switchover judges by), or fails: after bulk writes a standby needs a moment to replay them, and a
     * switchover to it is refused meanwhile, rightly.
     */
    void awaitLagAtMost(String leader, String standby, long bytes, java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        java.util.Optional<Long> lag = cluster.status(leader).lagBytes(standby);
        while (!(lag.isPresent() && lag.get() <= bytes) && System.nanoTime() < deadline) {
            sleepMs(100);
            lag = cluster.status(leader).lagBytes(standby);
        }
        if (!(lag.isPresent() && lag.get() <= bytes)) {
            throw new AssertionError(leader + " still knows " + standby + " as " + lag.map(l -> l + " bytes").orElse("an unknown distance")
                    + " behind after " + limit.toSeconds() + " s (wanted at most " + bytes + ")");
        }
    }

    /** A pause where nothing can be polled for (that something does not happen); interrupted: the case fails. */
    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
