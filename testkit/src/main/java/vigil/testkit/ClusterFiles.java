package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The on-disk layout of one rig cluster: {@code /tmp/vigil-rig/<runid>/cluster.key} (0600) and per
 * node {@code nK/vigil.yaml}, {@code nK/state/}, {@code nK/admin.sock}, {@code nK/vigild.log} and, with a
 * {@link RigWatchdog}, the fake watchdog FIFO {@code nK/watchdog}.
 */
final class ClusterFiles {
    private final NetnsRig rig;
    private final Timing timing;
    private final Path keyFile;
    private final PgOptions pg;
    private final RigWatchdog watchdog;
    private final Path hook;
    /** The configs name {@link NetnsRig#dbVip} as the cluster's VIP {@code db} on eth0. */
    boolean dbVip;
    /**
     * The configs name {@link NetnsRig#regionVip} as the VIP {@code region} on eth0, and every node runs
     * {@link RegionService}'s actions when it acquires or releases it.
     */
    boolean regionService;
    /** With {@link #regionService}: the region VIP follows each node's tracked check ({@link RegionService#trackYaml}). */
    boolean regionByChecks;
    /** Every node serves {@code node.http} on its own address, port {@link ClusterShape#HTTP_PORT}. */
    boolean http;
    /** When set, every node's entry names this fence agent with {@code plug: <node>} (level 1). */
    Path fenceAgent;

    ClusterFiles(NetnsRig rig, Timing timing) {
        this(rig, timing, null, null, null);
    }

    /**
     * {@code pg} null: no managed PostgreSQL (no postgres sections in the configs). {@code watchdog} null:
     * {@code node.watchdog.mode: off}; else the node's fake device {@link #watchdogDevice} with {@code mode: required}.
     * {@code hook} null: no event hooks; else every node runs it with {@link #eventLog} as its recipient.
     */
    ClusterFiles(NetnsRig rig, Timing timing, PgOptions pg, RigWatchdog watchdog, Path hook) {
        this.hook = hook;
        this.rig = rig;
        this.timing = timing;
        this.keyFile = rig.runDir().resolve("cluster.key");
        this.pg = pg;
        this.watchdog = watchdog;
    }

    Path passwordFile() {
        return rig.runDir().resolve("replication.pass");
    }

    /** nK/pg: owned by postgres, 0700; holds the data dir and the socket dir. */
    Path pgHome(String node) {
        return nodeDir(node).resolve("pg");
    }

    Path pgData(String node) {
        return pgHome(node).resolve("data");
    }

    Path pgSocketDir(String node) {
        return pgHome(node).resolve("run");
    }

    Path nodeDir(String node) {
        return rig.runDir().resolve(node);
    }

    Path config(String node) {
        return nodeDir(node).resolve("vigil.yaml");
    }

    Path adminSocket(String node) {
        return nodeDir(node).resolve("admin.sock");
    }

    Path log(String node) {
        return nodeDir(node).resolve("vigild.log");
    }

    /** nK/watchdog: the FIFO of the node's {@link FakeWatchdog}. */
    Path watchdogDevice(String node) {
        return nodeDir(node).resolve("watchdog");
    }

    /** nK/events.log: where the rig's event hook writes. */
    Path eventLog(String node) {
        return nodeDir(node).resolve("events.log");
    }

    Path stateDir(String node) {
        return nodeDir(node).resolve("state");
    }

    void write() {
        try {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.deleteIfExists(keyFile);
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
            for (String node : rig.nodes()) {
                Files.createDirectories(nodeDir(node));
                if (pg != null) {
                    makePostgresDir(pgHome(node));
                    makePostgresDir(pgSocketDir(node));
                }
                Files.writeString(config(node), yaml(node));
            }
            if (regionService) {
                RegionService.write(rig);
            }
            if (pg != null) {
                byte[] pw = new byte[18];
                new SecureRandom().nextBytes(pw);
                Files.deleteIfExists(passwordFile());
                Files.createFile(passwordFile(),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(passwordFile(), Base64.getUrlEncoder().withoutPadding().encodeToString(pw) + "\n");
            }
        } catch (IOException e) {
            throw new RigException("cannot write cluster files under " + rig.runDir() + ": " + e.getMessage(), e);
        }
    }

    /** A directory PostgreSQL (OS user postgres) owns alone: 0700, as initdb and the socket dir require. */
    private static void makePostgresDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        var users = dir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(dir, users.lookupPrincipalByName(PgOptions.OS_USER));
        Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(users.lookupPrincipalByGroupName(PgOptions.OS_USER));
    }

    private String yaml(String self) {
        StringBuilder y = new StringBuilder();
        y.append("# written by vigil.testkit for rig run ").append(rig.runId()).append('\n');
        y.append("cluster:\n  name: rig-").append(rig.runId()).append("\n  nodes:\n");
        List<String> nodes = rig.nodes();
        for (String n : nodes) {
            y.append("    - name: ").append(n).append('\n');
            y.append("      address: ").append(rig.address(n)).append('\n');
            y.append("      port: 7800\n");
            if (fenceAgent != null) {
                y.append("      fence:\n        - {agent: ").append(fenceAgent).append(", plug: ").append(n)
                        .append(", timeout: 10s}\n");
            }
        }
        y.append("  timing:\n");
        y.append("    heartbeat_interval: ").append(timing.heartbeat().toMillis()).append("ms\n");
        y.append("    lease: ").append(timing.lease().toMillis()).append("ms\n");
        y.append("  security:\n    key_file: ").append(keyFile).append('\n');
        if (dbVip || regionService) {
            y.append("  vips:\n");
        }
        if (dbVip) {
            y.append("    - {name: db, address: ").append(rig.dbVip())
                    .append(", prefix: 24, device: eth0, announce_count: 3, announce_interval: 200ms}\n");
        }
        if (regionService) {
            y.append(RegionService.vipYaml(rig, regionByChecks));
        }
        if (pg != null) {
            y.append("  postgres:\n");
            y.append("    replication_user: replicator\n");
            y.append("    replication_password_file: ").append(passwordFile()).append('\n');
            y.append("    superuser: postgres\n");
            y.append("    synchronous: ").append(pg.synchronous()).append('\n');
            y.append("    migration_threshold: 3\n");
            y.append("    failure_timeout: 60s\n");
            y.append("    failover_without_fencing: ").append(pg.failoverWithoutFencing()).append('\n');
            y.append("    probe_interval: 100ms\n");
            y.append("    probe_timeout: 500ms\n");
        }
        y.append("node:\n  name: ").append(self).append('\n');
        y.append("  state_dir: ").append(stateDir(self)).append('\n');
        y.append("  bind_address: ").append(rig.address(self)).append('\n');
        y.append("  admin:\n    socket: ").append(adminSocket(self)).append('\n');
        if (http) {
            y.append("  http:\n    listen: ").append(rig.address(self)).append("\n    port: ").append(ClusterShape.HTTP_PORT)
                    .append('\n');
        }
        if (hook != null) {
            y.append("  hooks:\n    - {path: ").append(hook).append(", recipient: ").append(eventLog(self))
                    .append(", timeout: 5s}\n");
        }
        if (regionService) {
            y.append(RegionService.servicesYaml(rig, self));
            if (regionByChecks) y.append(RegionService.trackYaml(rig, self));
        }
        // never the default (auto): a rig must not arm a real /dev/watchdog of the machine it runs on
        if (watchdog == null) {
            y.append("  watchdog:\n    mode: off\n");
        } else {
            y.append("  watchdog:\n    mode: required\n");
            y.append("    device: ").append(watchdogDevice(self)).append('\n');
            y.append("    timeout: ").append(watchdog.timeout().toSeconds()).append("s\n");
            y.append("    reset_slack: ").append(watchdog.resetSlack().toMillis()).append("ms\n");
        }
        if (pg != null) {
            y.append("  postgres:\n");
            y.append("    bindir: ").append(PgOptions.BINDIR).append('\n');
            y.append("    data_dir: ").append(pgData(self)).append('\n');
            y.append("    port: ").append(PgOptions.PORT).append('\n');
            // every address, as for clients that come through a VIP; the writer is admitted by the config alone
            y.append("    listen_address: 0.0.0.0\n");
            y.append("    socket_dir: ").append(pgSocketDir(self)).append('\n');
            y.append("    os_user: postgres\n");
            y.append("    client_access:\n");
            y.append("      - {database: postgres, user: ").append(PgNodes.WRITER_ROLE).append(", address: ")
                    .append(rig.address(NetnsRig.CLIENT)).append("/32, method: trust}\n");
        }
        return y.toString();
    }
}
