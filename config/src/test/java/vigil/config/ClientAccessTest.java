package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.assertProblem;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code node.postgres.client_access} and {@code listen_address}: who reaches PostgreSQL, and where it listens. */
class ClientAccessTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path passFile;

    /** A valid PostgreSQL setup; node.postgres's settings continue on line 13, at column 5. */
    static final String WITH_PG = PostgresConfigTest.WITH_PG;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        passFile = fx.replicationPasswordFile();
    }

    private LoadResult load(String yaml) {
        return fx.load(yaml.replace("PASS", passFile.toString()));
    }

    private static String rules(String entries) {
        return WITH_PG + "    client_access:\n" + entries.stripTrailing().indent(6);
    }

    @Test
    void rulesAreReadInOrderWithDefaults() {
        LoadResult r = load(rules("""
                - database: maasdb
                  user: maas
                  address: 10.0.0.0/24
                - type: hostssl
                  database: all
                  user: +dba
                  address: fd00::/64
                  method: cert
                - type: local
                  database: maasdb
                  user: maas
                  method: peer
                """));
        assertTrue(r.ok(), dump(r));
        List<ClientAccess> got = r.config().orElseThrow().node().postgres().orElseThrow().clientAccess();
        assertEquals(List.of(
                new ClientAccess("host", "maasdb", "maas", Optional.of("10.0.0.0/24"), "scram-sha-256"),
                new ClientAccess("hostssl", "all", "+dba", Optional.of("fd00::/64"), "cert"),
                new ClientAccess("local", "maasdb", "maas", Optional.empty(), "peer")), got);
        assertEquals("host    maasdb       maas         10.0.0.0/24          scram-sha-256", got.get(0).hbaLine());
        assertEquals("local   maasdb       maas                              peer", got.get(2).hbaLine());
    }

    @Test
    void rulesDoNotChangeTheClusterHash() { // a node section: changing it needs no cluster-wide restart
        String without = load(WITH_PG).config().orElseThrow().clusterHash();
        String with = load(rules("- {database: maasdb, user: maas, address: 10.0.0.0/24}")).config().orElseThrow().clusterHash();
        assertEquals(without, with);
    }

    static Arguments bad(String name, String entries, String path, int line, int column, String text) {
        return Arguments.of(name, entries, path, line, column, text);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
            bad("unknown type", "- {type: tcp, database: maasdb, user: maas, address: 10.0.0.0/24}",
                    "node.postgres.client_access[0].type", 14, 16, "unknown connection type \"tcp\" — write host, hostssl"),
            bad("unknown method", "- {database: maasdb, user: maas, address: 10.0.0.0/24, method: scram}",
                    "node.postgres.client_access[0].method", 14, 70, "unknown authentication method \"scram\""),
            bad("address without prefix", "- {database: maasdb, user: maas, address: 10.0.0.5}",
                    "node.postgres.client_access[0].address", 14, 49, "has no prefix length — write 10.0.0.5/32"),
            bad("prefix too long", "- {database: maasdb, user: maas, address: 10.0.0.0/33}",
                    "node.postgres.client_access[0].address", 14, 49, "a prefix length from 0 to 32"),
            bad("not an address", "- {database: maasdb, user: maas, address: 10.0.0.300/24}",
                    "node.postgres.client_access[0].address", 14, 49, "is not a network"),
            bad("network rule without address", "- {database: maasdb, user: maas}",
                    "node.postgres.client_access[0].address", 14, 9, "a host rule needs the clients' address"),
            bad("local rule with address", "- {type: local, database: maasdb, user: maas, address: 10.0.0.0/24}",
                    "node.postgres.client_access[0].address", 14, 62, "a local rule (Unix socket) has no address"),
            bad("peer over the network", "- {database: maasdb, user: maas, address: 10.0.0.0/24, method: peer}",
                    "node.postgres.client_access[0].method", 14, 70, "peer works only on the Unix socket"),
            bad("cert without SSL", "- {database: maasdb, user: maas, address: 10.0.0.0/24, method: cert}",
                    "node.postgres.client_access[0].method", 14, 70, "cert works only on SSL connections"),
            bad("two words in one field", "- {database: maas db, user: maas, address: 10.0.0.0/24}",
                    "node.postgres.client_access[0].database", 14, 20, "is not one pg_hba.conf field"),
            bad("user missing", "- {database: maasdb, address: 10.0.0.0/24}",
                    "node.postgres.client_access[0].user", 14, 9, "missing required setting — add \"user:\""),
            bad("a line instead of a mapping", "- host maasdb maas 10.0.0.0/24 scram-sha-256",
                    "node.postgres.client_access[0]", 14, 9, "expected a mapping")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsTheMistakeWhereItIs(String name, String entries, String path, int line, int column, String text) {
        LoadResult r = load(rules(entries));
        assertFalse(r.ok(), name + dump(r));
        assertError(r, path, line, column, text);
    }

    @Test
    void rulesThatAdmitWithoutAPasswordWarn() {
        LoadResult r = load(rules("""
                - {database: maasdb, user: maas, address: 10.0.0.0/24, method: trust}
                - {database: maasdb, user: maas, address: 10.0.1.0/24, method: password}
                """));
        assertTrue(r.ok(), dump(r));
        assertProblem(r, Problem.Severity.WARNING, "node.postgres.client_access[0].method", 14, 0,
                "trust lets anyone on 10.0.0.0/24 connect as maas@maasdb without a password");
        assertProblem(r, Problem.Severity.WARNING, "node.postgres.client_access[1].method", 15, 0,
                "password sends maas@maasdb's password in clear text");
    }

    @Test
    void listenAddressMayBeAWildcardOrThisHostsAddress() {
        for (String a : List.of("0.0.0.0", "'::'", "127.0.0.1", "localhost")) {
            LoadResult r = load(WITH_PG + "    listen_address: " + a + "\n");
            assertTrue(r.ok(), a + dump(r));
        }
    }

    @Test
    void listenAddressThisHostDoesNotHaveIsRefused() {
        // 192.0.2.0/24 is TEST-NET-1: documentation only, never configured on a host
        LoadResult r = load(WITH_PG + "    listen_address: 192.0.2.77\n");
        assertError(r, "node.postgres.listen_address", 13, 21,
                "192.0.2.77 is not an address of this host, so PostgreSQL could not listen on it — write one of"
                        + " this host's addresses (ip -brief addr), or 0.0.0.0");
    }
}
