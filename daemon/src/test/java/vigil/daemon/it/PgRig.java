package vigil.daemon.it;

import java.time.Duration;
import vigil.testkit.ClusterShape;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriterRun;

/**
 * The fixture of a namespace IT class over real PostgreSQL: a rig of three nodes, a cluster of {@link ClusterShape}
 * started and waited for (a primary with two streaming standbys), and, when asked, a writer in the client namespace.
 * Built in {@code @BeforeAll} (the class is skipped when the host cannot run it), its logs printed when a case fails
 * ({@link #logs}), and everything stopped by {@link #close} in {@code @AfterAll}, also after a failure.
 */
final class PgRig implements AutoCloseable {
    final NetnsRig rig;
    final VigilCluster cluster;
    final PgNodes pg;
    /** Null unless asked for. */
    final WriterRun writer;

    private PgRig(NetnsRig rig, VigilCluster cluster, WriterRun writer) {
        this.rig = rig;
        this.cluster = cluster;
        this.pg = cluster.pg();
        this.writer = writer;
    }

    /**
     * @param withWriter start a writer writing through the VIP {@code db} when the shape has it, otherwise to
     *                   whichever node answers as the primary
     */
    static PgRig start(String test, ClusterShape shape, boolean withWriter) {
        RigIt.assumeHost(test, NetnsRig.precondition().or(PgNodes::precondition));
        NetnsRig rig = NetnsRig.create(3);
        VigilCluster cluster = null;
        try {
            cluster = VigilCluster.clusterWithPrimary(rig, shape, Duration.ofSeconds(150));
            WriterRun writer = withWriter ? WriterRun.start(cluster, rig.runDir().resolve("writer"),
                    shape.dbVip() ? rig.dbVip() : null) : null;
            return new PgRig(rig, cluster, writer);
        } catch (RuntimeException | Error e) {
            if (cluster != null) cluster.close();
            rig.close();
            throw e;
        }
    }

    /** What to print when a case fails: every node's log and PostgreSQL's. */
    String logs() {
        return "node logs (rig " + rig.runId() + ") ====\n" + cluster.dumpLogs(200) + pg.serverLogs(40);
    }

    @Override
    public void close() {
        try {
            if (writer != null) writer.stop();
        } finally {
            try {
                cluster.close();
            } finally {
                rig.close();
            }
        }
    }
}
