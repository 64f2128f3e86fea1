package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PostgresConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path passFile;

    /** Lines 1-7: a valid cluster without PostgreSQL; cases append from line 8 on. */
    static final String BASE = BadInputTest.THREE_NODES;

    /** BASE plus a minimal valid PostgreSQL setup (cluster.postgres on line 8, node.postgres on line 11). */
    static final String WITH_PG = BASE + """
              postgres:
                replication_password_file: PASS
            node:
              postgres:
                data_dir: /var/lib/postgresql/15/main
            """;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        passFile = fx.replicationPasswordFile();
    }

    private LoadResult load(String yaml) {
        return fx.load(yaml.replace("PASS", passFile.toString()));
    }

    @Test
    void absentSectionsMeanNoPostgres() {
        LoadResult r = load(BASE);
        assertTrue(r.ok(), dump(r));
        VigilConfig c = r.config().orElseThrow();
        assertEquals(Optional.empty(), c.cluster().postgres());
        assertEquals(Optional.empty(), c.node().postgres());
    }

    @Test
    void defaultsApply() {
        LoadResult r = load(WITH_PG);
        assertTrue(r.ok(), dump(r));
        VigilConfig c = r.config().orElseThrow();
        assertEquals(new PostgresClusterSettings("replicator", Optional.of(passFile), "postgres", false, 1L << 20, 3,
                Duration.ofSeconds(60), false, Duration.ofMillis(100), Duration.ofMillis(500)), c.cluster().postgres().orElseThrow());
        Path data = Path.of("/var/lib/postgresql/15/main");
        assertEquals(new PostgresNodeSettings(Path.of("/usr/lib/postgresql/15/bin"), data, data, 5432, "10.232.1.11",
                Path.of("/var/run/postgresql"), "postgres", List.of()), c.node().postgres().orElseThrow());
    }

    @Test
    void everySettingIsRead() {
        LoadResult r = load(BASE + """
                  postgres:
                    replication_user: repl_1
                    superuser: admin
                    synchronous: true
                    max_lag_on_failover: 16kB
                    migration_threshold: 5
                    failure_timeout: 2m
                    failover_without_fencing: true
                    probe_interval: 250ms
                    probe_timeout: 1s
                node:
                  postgres:
                    bindir: /usr/lib/postgresql/15/bin
                    data_dir: /srv/pg/data
                    config_dir: /etc/postgresql/15/main
                    port: 5433
                    listen_address: 127.0.0.1
                    socket_dir: /tmp
                    os_user: pg
                """);
        assertTrue(r.ok(), dump(r));
        VigilConfig c = r.config().orElseThrow();
        assertEquals(new PostgresClusterSettings("repl_1", Optional.empty(), "admin", true, 16 * 1024, 5,
                Duration.ofMinutes(2), true, Duration.ofMillis(250), Duration.ofSeconds(1)), c.cluster().postgres().orElseThrow());
        assertEquals(new PostgresNodeSettings(Path.of("/usr/lib/postgresql/15/bin"), Path.of("/srv/pg/data"),
                Path.of("/etc/postgresql/15/main"), 5433, "127.0.0.1", Path.of("/tmp"), "pg", List.of()),
                c.node().postgres().orElseThrow());
    }

    @Test
    void postgresSettingsChangeTheClusterHash() {
        String plain = load(BASE).config().orElseThrow().clusterHash();
        String sync = load(WITH_PG.replace("    replication_password_file: PASS\n", "    synchronous: true\n"))
                .config().orElseThrow().clusterHash();
        String async = load(WITH_PG.replace("    replication_password_file: PASS\n", "    synchronous: false\n"))
                .config().orElseThrow().clusterHash();
        assertNotEquals(plain, sync);
        assertNotEquals(sync, async);
    }

    static Arguments bad(String name, String yaml, String path, int line, int column, String text) {
        return Arguments.of(name, yaml, path, line, column, text);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
            bad("bare number for a byte size", WITH_PG.replace("    replication_password_file: PASS\n",
                    "    max_lag_on_failover: 1048576\n"), "cluster.postgres.max_lag_on_failover", 9, 26,
                    "a byte size needs a unit, got the number 1048576"),
            bad("unknown byte unit", WITH_PG.replace("    replication_password_file: PASS\n",
                    "    max_lag_on_failover: 1TB\n"), "cluster.postgres.max_lag_on_failover", 9, 26,
                    "expected a byte size such as 512kB or 1MB"),
            bad("migration threshold below 1", WITH_PG.replace("    replication_password_file: PASS\n",
                    "    migration_threshold: 0\n"), "cluster.postgres.migration_threshold", 9, 26,
                    "0 is out of range — migration_threshold must be between 1 and 1000"),
            bad("bare number for probe timeout", WITH_PG.replace("    replication_password_file: PASS\n",
                    "    probe_timeout: 500\n"), "cluster.postgres.probe_timeout", 9, 20, "a duration needs a unit"),
            bad("upper-case role name", WITH_PG.replace("    replication_password_file: PASS\n",
                    "    replication_user: Repl\n"), "cluster.postgres.replication_user", 9, 23,
                    "\"Repl\" is not a valid user name"),
            bad("node.postgres missing", BASE + """
                      postgres: {}
                    node:
                      name: n1
                    """, "node.postgres", 9, 1, "cluster.postgres is set but node.postgres is missing"),
            bad("cluster.postgres missing", BASE + """
                    node:
                      postgres:
                        data_dir: /var/lib/postgresql/15/main
                    """, "node.postgres", 9, 3, "node.postgres is set but cluster.postgres is missing"),
            bad("data_dir missing", WITH_PG.replace("    data_dir: /var/lib/postgresql/15/main\n", "    port: 5432\n"),
                    "node.postgres.data_dir", 11, 3, "missing required setting — add \"data_dir:\" under node.postgres"),
            bad("port out of range", WITH_PG + "    port: 0\n", "node.postgres.port", 13, 11,
                    "0 is out of range — a TCP port must be between 1 and 65535"),
            bad("bindir without pg_ctl", WITH_PG + "    bindir: /usr/bin/nonexistent-pg\n", "node.postgres.bindir", 13, 13,
                    "no executable pg_ctl in /usr/bin/nonexistent-pg"),
            bad("relative data_dir", WITH_PG.replace("/var/lib/postgresql/15/main", "pgdata"), "node.postgres.data_dir", 12, 15,
                    "\"pgdata\" is a relative path"),
            bad("password file missing", WITH_PG.replace("PASS", "/nonexistent/replication.pass"),
                    "cluster.postgres.replication_password_file", 9, 32,
                    "replication password file /nonexistent/replication.pass does not exist"),
            bad("misspelt setting", WITH_PG + "    sockets_dir: /tmp\n", "node.postgres.sockets_dir", 13, 5,
                    "unknown setting — did you mean socket_dir?")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsTheMistakeWhereItIs(String name, String yaml, String path, int line, int column, String text) {
        LoadResult r = load(yaml);
        assertFalse(r.ok(), name + dump(r));
        assertError(r, path, line, column, text);
    }

    @Test
    void passwordFileMustBePrivate() throws Exception {
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-r-----"));
        assertError(load(WITH_PG), "cluster.postgres.replication_password_file", 9, 32,
                "is accessible by group or others (mode rw-r-----) — run: chmod 600 " + passFile);
    }

    @Test
    void passwordFileMustHoldOneLine() throws Exception {
        Files.writeString(passFile, "one\ntwo\n");
        assertError(load(WITH_PG), "cluster.postgres.replication_password_file", 9, 32, "has more than one line");
        Files.writeString(passFile, "\n");
        assertError(load(WITH_PG), "cluster.postgres.replication_password_file", 9, 32, "is empty");
    }

    @Test
    void byteSizesFormatWithTheirLargestExactUnit() {
        assertEquals("1MB", ValueType.format(1L << 20));
        assertEquals("1536kB", ValueType.format(1536L * 1024));
        assertEquals("1000B", ValueType.format(1000L));
    }
}
