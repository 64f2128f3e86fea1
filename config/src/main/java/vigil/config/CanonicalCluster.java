package vigil.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/** Canonical, formatting-independent text of a cluster section: sorted {@code key=value} lines. */
final class CanonicalCluster {
    private CanonicalCluster() {}

    static String text(ClusterSettings c) {
        TreeMap<String, String> lines = new TreeMap<>();
        lines.put("cluster.name", c.name());
        List<NodeSpec> nodes = new ArrayList<>(c.nodes());
        nodes.sort(Comparator.comparing(NodeSpec::name));
        for (NodeSpec n : nodes) {
            String p = "cluster.nodes[" + n.name() + "].";
            lines.put(p + "address", n.address());
            lines.put(p + "port", Integer.toString(n.port()));
            lines.put(p + "role", n.role().name().toLowerCase());
            lines.put(p + "priority", Integer.toString(n.priority()));
            for (int j = 0; j < n.fence().size(); j++) { // none: no lines, so hashes without fencing are unchanged
                FenceDevice d = n.fence().get(j);
                String f = p + "fence[" + j + "].";
                lines.put(f + "level", Integer.toString(d.level()));
                lines.put(f + "agent", d.agent().toString());
                lines.put(f + "ip", d.ip().orElse(""));
                lines.put(f + "port", d.port().isPresent() ? Integer.toString(d.port().getAsInt()) : "");
                lines.put(f + "username", d.username().orElse(""));
                lines.put(f + "plug", d.plug().orElse(""));
                lines.put(f + "lanplus", Boolean.toString(d.lanplus()));
                lines.put(f + "options", d.options().toString());
                lines.put(f + "password_file", d.passwordFile().map(Object::toString).orElse(""));
                lines.put(f + "password_script", d.passwordScript().map(Object::toString).orElse(""));
                lines.put(f + "timeout", Long.toString(d.timeout().toNanos()));
            }
        }
        TimingSettings t = c.timing();
        lines.put("cluster.timing.heartbeat_interval", Long.toString(t.heartbeatInterval().toNanos()));
        lines.put("cluster.timing.lease", Long.toString(t.lease().toNanos()));
        lines.put("cluster.timing.clock_drift_bound", Double.toString(t.clockDriftBound()));
        lines.put("cluster.timing.failure_detection_timeout", Long.toString(t.failureDetectionTimeout().toNanos()));
        lines.put("cluster.timing.suspect_verify_timeout", Long.toString(t.suspectVerifyTimeout().toNanos()));
        lines.put("cluster.timing.join_timeout", Long.toString(t.joinTimeout().toNanos()));
        lines.put("cluster.security.key_file", c.security().keyFile().map(Object::toString).orElse(""));
        lines.put("cluster.security.insecure", Boolean.toString(c.security().insecure()));
        for (VipSettings v : c.vips()) { // none: no lines, so hashes of clusters without VIPs are unchanged
            String p = "cluster.vips[" + v.name() + "].";
            lines.put(p + "address", v.address() + "/" + v.prefix());
            lines.put(p + "device", v.device());
            lines.put(p + "announce", v.announceCount() + "x" + v.announceInterval().toNanos());
            lines.put(p + "reannounce_interval", Long.toString(v.reannounceInterval().toNanos()));
        }
        c.postgres().ifPresent(pg -> { // absent: no lines, so hashes of clusters without PostgreSQL are unchanged
            String p = "cluster.postgres.";
            lines.put(p + "replication_user", pg.replicationUser());
            lines.put(p + "replication_password_file", pg.replicationPasswordFile().map(Object::toString).orElse(""));
            lines.put(p + "superuser", pg.superuser());
            lines.put(p + "synchronous", Boolean.toString(pg.synchronous()));
            lines.put(p + "max_lag_on_failover", Long.toString(pg.maxLagOnFailoverBytes()));
            lines.put(p + "migration_threshold", Integer.toString(pg.migrationThreshold()));
            lines.put(p + "failure_timeout", Long.toString(pg.failureTimeout().toNanos()));
            lines.put(p + "failover_without_fencing", Boolean.toString(pg.failoverWithoutFencing()));
            lines.put(p + "probe_interval", Long.toString(pg.probeInterval().toNanos()));
            lines.put(p + "probe_timeout", Long.toString(pg.probeTimeout().toNanos()));
        });
        StringBuilder b = new StringBuilder();
        lines.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    static String sha256Hex(ClusterSettings c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text(c).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
