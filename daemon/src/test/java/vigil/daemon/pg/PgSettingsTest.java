package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.ConfigLoader;
import vigil.config.LoadResult;
import vigil.config.VigilConfig;

class PgSettingsTest {
    @TempDir
    Path dir;

    private VigilConfig load(String postgres) throws Exception {
        Path key = dir.resolve("cluster.key");
        Files.writeString(key, "AAAAAAAAAAAAAAAAAAAAAA==\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path pass = dir.resolve("replication.pass");
        Files.writeString(pass, "secret\n");
        Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("r--------"));
        Path file = dir.resolve("vigil.yaml");
        Files.writeString(file, """
                cluster:
                  name: maas
                  nodes:
                    - {name: n1, address: 10.232.1.11}
                    - {name: n2, address: 10.232.1.12}
                    - {name: w1, address: 10.232.1.13, role: witness}
                  security: {key_file: KEY}
                """.replace("KEY", key.toString()) + postgres.replace("PASS", pass.toString()));
        LoadResult r = ConfigLoader.load(file, "n2");
        assertTrue(r.ok(), r.problems().toString());
        return r.config().orElseThrow();
    }

    @Test
    void mapsTheConfigAndListsOnlyDataNodesAsReplicationPeers() throws Exception {
        VigilConfig cfg = load("""
                  postgres:
                    replication_password_file: PASS
                    probe_timeout: 300ms
                node:
                  postgres:
                    data_dir: /srv/pg
                """);
        PgSettings s = PgSettings.from(cfg);
        assertEquals(new PgSettings(Path.of("/usr/lib/postgresql/15/bin"), Path.of("/srv/pg"), Path.of("/srv/pg"), 5432,
                "10.232.1.12", Path.of("/var/run/postgresql"), "postgres", "postgres", "replicator",
                Optional.of(dir.resolve("replication.pass")), "n2", Duration.ofMillis(300),
                List.of("10.232.1.11", "10.232.1.12"), List.of(),
                new ReplicationSlots("vigil_n2", List.of("vigil_n1"), 1L << 30)), s);
    }

    @Test
    void aConfigWithoutPostgresIsRejected() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PgSettings.from(load("")));
        assertTrue(e.getMessage().contains("no cluster.postgres section"), e.getMessage());
    }
}
