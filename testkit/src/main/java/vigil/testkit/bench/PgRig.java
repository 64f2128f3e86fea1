package vigil.testkit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import vigil.testkit.ClientWire;
import vigil.testkit.ClusterShape;
import vigil.testkit.NetnsRig;
import vigil.testkit.PgNodes;
import vigil.testkit.PgOptions;
import vigil.testkit.RigWatchdog;
import vigil.testkit.Timing;
import vigil.testkit.VigilCluster;
import vigil.testkit.WriterRun;

/**
 * What every PostgreSQL scenario runs on: a 3-node namespace rig with managed PostgreSQL, every node with the rig's
 * watchdog, the database VIP following the primary, the writer writing through the VIP, and the client's wire
 * recorded. Closing it stops the writer, the daemons and PostgreSQL, and deletes the namespaces.
 */
record PgRig(NetnsRig rig, VigilCluster cluster, WriterRun writer, ClientWire wire) implements AutoCloseable {
    static final Duration BOOT = Duration.ofSeconds(180);

    static PgRig start(Path out, Timing timing, PgOptions options) {
        return start(out, timing, options, false);
    }

    /** @param http every node serves {@code node.http} (for {@link HttpLoad}) */
    static PgRig start(Path out, Timing timing, PgOptions options, boolean http) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NetnsRig rig = NetnsRig.create(3);
        VigilCluster cluster = null;
        WriterRun writer = null;
        try {
            ClusterShape shape = ClusterShape.of(timing).pg(options).watchdog(RigWatchdog.DEFAULT).withDbVip();
            cluster = VigilCluster.clusterWithPrimary(rig, http ? shape.withHttp() : shape, BOOT);
            writer = WriterRun.start(cluster, out.resolve("writer"), rig.dbVip());
            ClientWire wire = ClientWire.start(rig, out.resolve("writer"));
            return new PgRig(rig, cluster, writer, wire);
        } catch (RuntimeException e) {
            if (writer != null) writer.close();
            if (cluster != null) cluster.close();
            rig.close();
            throw e;
        }
    }

    PgNodes pg() {
        return cluster.pg();
    }

    @Override
    public void close() {
        try (NetnsRig r = rig; VigilCluster c = cluster; WriterRun w = writer; ClientWire cw = wire) {
            // closed in reverse order: the wire, the writer, the daemons, the namespaces
        }
    }
}
