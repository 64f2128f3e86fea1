package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresFilesTest {
    @TempDir
    Path dir;
    Path data;
    PostgresFiles files;

    @BeforeEach
    void setUp() throws Exception {
        data = dir.resolve("data");
        Files.createDirectory(data);
        String me = System.getProperty("user.name"); // the OS user is us: no chown needed
        PgSettings s = new PgSettings(Path.of("/usr/lib/postgresql/15/bin"), data, data, 5433, "10.232.1.11", dir,
                me, "postgres", "replicator", Optional.empty(), "n1", Duration.ofMillis(500), List.of("10.232.1.11", "fd00::12"));
        files = new PostgresFiles(s, OsAccount.of(me));
        Files.writeString(data.resolve("postgresql.conf"), "shared_buffers = 128MB\n");
        Files.writeString(data.resolve("pg_hba.conf"), "local all all peer\n");
        Files.writeString(data.resolve("pg_ident.conf"), "# MAPNAME SYSTEM-USERNAME PG-USERNAME\n");
    }

    @Test
    void includeIsAddedOnceAndReplacesACopiedOne() throws Exception {
        files.ensureInclude();
        String once = Files.readString(data.resolve("postgresql.conf"));
        files.ensureInclude();
        assertEquals(once, Files.readString(data.resolve("postgresql.conf")));
        assertTrue(once.startsWith("shared_buffers = 128MB\n"));
        assertTrue(once.endsWith("\ninclude_if_exists = 'vigil.conf'\n"), once);

        // a file copied from another node whose config_dir differed names that node's vigil.conf
        Files.writeString(data.resolve("postgresql.conf"), once + "include_if_exists = '/srv/other/vigil.conf'\n");
        files.ensureInclude();
        assertEquals(once, Files.readString(data.resolve("postgresql.conf")));
    }

    @Test
    void confKeepsRoleSettingsAndRewritesTheBase() throws Exception {
        files.writeConf(Map.of("primary_conninfo", PostgresFiles.quote("host=a"), "synchronous_standby_names", "'n2'"));
        Files.writeString(data.resolve("vigil.conf"), Files.readString(data.resolve("vigil.conf")).replace("port = 5433", "port = 1"));
        java.util.HashMap<String, String> changes = new java.util.HashMap<>();
        changes.put("primary_conninfo", null);
        files.writeConf(changes);
        String conf = Files.readString(data.resolve("vigil.conf"));
        assertTrue(conf.contains("port = 5433\n"), conf);
        assertTrue(conf.contains("listen_addresses = '127.0.0.1,10.232.1.11'\n"), conf);
        assertTrue(conf.contains("synchronous_standby_names = 'n2'\n"), conf);
        assertTrue(conf.contains("synchronous_commit = on\n"), "always pinned: " + conf);
        assertFalse(conf.contains("primary_conninfo"), conf);
        assertFalse(conf.contains("recovery_init_sync_method"), "unknown before PostgreSQL 14: " + conf);
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        files.writeConf(Map.of());
        assertEquals(PostgresFiles.syncfsReportsErrors(System.getProperty("os.name"), System.getProperty("os.version")),
                Files.readString(data.resolve("vigil.conf")).contains("recovery_init_sync_method = syncfs\n"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("vigil.conf"))));
    }

    @Test
    void syncfsOnlyWhereItReportsWriteErrors() {
        assertTrue(PostgresFiles.syncfsReportsErrors("Linux", "6.18.0-1-amd64"));
        assertTrue(PostgresFiles.syncfsReportsErrors("Linux", "5.8.0"));
        assertFalse(PostgresFiles.syncfsReportsErrors("Linux", "5.4.0-150-generic"));
        assertFalse(PostgresFiles.syncfsReportsErrors("Linux", "4.18.0-553.el8_10.x86_64"));
        assertFalse(PostgresFiles.syncfsReportsErrors("Mac OS X", "14.1"));
    }

    @Test
    void hbaBlockGoesFirstAndIsReplacedNotRepeated() throws Exception {
        files.writeHba(true);
        files.writeHba(true);
        List<String> lines = Files.readAllLines(data.resolve("pg_hba.conf"));
        assertTrue(lines.get(0).startsWith("# vigil: begin"), lines.toString());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("# vigil: begin")).count());
        assertTrue(lines.contains("local all all peer"), "the operator's lines stay");
        assertTrue(lines.stream().anyMatch(l -> l.matches("host +replication +replicator +fd00::12/128 +scram-sha-256")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("local +all +postgres +peer map=vigil")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("trust")), "no trust lines when a password is configured");
    }

    @Test
    void clientRulesFollowVigilsAndPrecedeTheOperatorsLines() throws Exception {
        String me = System.getProperty("user.name");
        PgSettings s = new PgSettings(Path.of("/usr/lib/postgresql/15/bin"), data, data, 5433, "0.0.0.0", dir, me,
                "postgres", "replicator", Optional.empty(), "n1", Duration.ofMillis(500), List.of("10.232.1.11"),
                List.of("host    maasdb       maas         10.0.0.0/24          scram-sha-256",
                        "local   maasdb       maas                              peer"));
        new PostgresFiles(s, OsAccount.of(me)).writeAccess(true);
        List<String> lines = Files.readAllLines(data.resolve("pg_hba.conf"));
        int replication = lines.indexOf(lines.stream().filter(l -> l.startsWith("host    replication")).findFirst().orElseThrow());
        int client = lines.indexOf("host    maasdb       maas         10.0.0.0/24          scram-sha-256");
        int local = lines.indexOf("local   maasdb       maas                              peer");
        int end = lines.indexOf("# vigil: end");
        assertTrue(replication < client && client < local && local < end, lines.toString());
        assertEquals("local all all peer", lines.get(end + 1), "the operator's own lines follow vigil's block");
    }

    @Test
    void aWildcardListenAddressStandsAlone() {
        // 127.0.0.1 beside 0.0.0.0 makes PostgreSQL fail: "could not bind IPv4 address "0.0.0.0": Address already in use"
        assertEquals("0.0.0.0", PostgresFiles.listenAddresses("0.0.0.0"));
        assertEquals("*", PostgresFiles.listenAddresses("::"));
        assertEquals("127.0.0.1", PostgresFiles.listenAddresses("127.0.0.1"));
        assertEquals("127.0.0.1,10.232.1.11", PostgresFiles.listenAddresses("10.232.1.11"));
    }

    @Test
    void configValuesDoubleSingleQuotes() {
        assertEquals("'ANY 1 (n2)'", PostgresFiles.quote("ANY 1 (n2)"));
        assertEquals("'it''s'", PostgresFiles.quote("it's"));
    }

    @Test
    void conninfoValuesEscapeQuotesAndBackslashes() {
        assertEquals("'a\\'b\\\\c'", PostgresFiles.conninfoValue("a'b\\c"));
    }

    @Test
    void pgpassEscapesColonsAndBackslashes() {
        assertEquals("*:*:*:replicator:p\\:w\\\\d\n", PostgresFiles.pgpassLine("replicator", "p:w\\d"));
    }

    @Test
    void hbaAddressesAreSingleHosts() {
        assertEquals("10.232.1.11/32", PostgresFiles.hbaAddress("10.232.1.11"));
        assertEquals("fd00::11/128", PostgresFiles.hbaAddress("fd00::11"));
        assertEquals("db1.example.org", PostgresFiles.hbaAddress("db1.example.org"));
    }
}
