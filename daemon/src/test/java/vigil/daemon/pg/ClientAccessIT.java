package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.pg.PgFixture.require;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients reach a real PostgreSQL through {@code node.postgres.client_access} and a wildcard listen address. The
 * clients come from other loopback addresses (127.0.0.2 ...) so that initdb's own lines, which admit every password
 * user from 127.0.0.1, prove nothing: only a rule from the config admits them.
 */
class ClientAccessIT {
    static final String APP_PASSWORD = "app-pw-4711";
    static final String ADMITTED = "127.0.0.2";
    static final String STANDBY_ONLY = "127.0.0.4";
    static final String NOBODY = "127.0.0.3";
    static final String RULE = "host    appdb        app          " + ADMITTED + "/32        scram-sha-256";

    PgFixture fx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new PgFixture();
    }

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void aDeclaredClientConnectsOnAnyAddressAndOthersAreRefused() throws Exception {
        PgFixture.Node p = fx.node("n1", "0.0.0.0", List.of(RULE));
        require(p.pg.initPrimary(true), "initPrimary");
        require(p.pg.start(), "start with listen_addresses = '0.0.0.0'"); // failed with 127.0.0.1 beside it
        p.execute("CREATE ROLE app LOGIN PASSWORD '" + APP_PASSWORD + "'");
        p.execute("CREATE DATABASE appdb OWNER app");

        // 127.0.0.5 is on no listen list but the wildcard's: the connection proves PostgreSQL listens everywhere
        assertEquals(1, selectOne(p, "127.0.0.5", ADMITTED));
        SQLException refused = assertThrows(SQLException.class, () -> selectOne(p, "127.0.0.5", NOBODY));
        assertTrue(refused.getMessage().contains("no pg_hba.conf entry for host \"" + NOBODY + "\""), refused.getMessage());
    }

    @Test
    void rulesSurviveACloneThatCopiedThePrimarysFiles() throws Exception {
        PgFixture.Node p = primaryWithApp("0.0.0.0");
        // the standby's config admits one more network than the primary's: pg_basebackup copies the primary's
        // pg_hba.conf, so only vigild rewriting its block after the clone lets that network in
        PgFixture.Node s = fx.node("n2", "0.0.0.0",
                List.of(RULE, "host    appdb        app          " + STANDBY_ONLY + "/32        scram-sha-256"));
        require(s.pg.cloneFrom(p.upstream(), 0), "clone n2");
        s.pg.configureStandby(p.upstream());
        require(s.pg.start(), "start n2");
        s.awaitState(st -> st.reachable() && st.role() == PgRole.STANDBY, Duration.ofSeconds(20), "n2 a standby");

        assertEquals(1, selectOne(s, "127.0.0.1", STANDBY_ONLY));
        assertEquals(1, selectOne(s, "127.0.0.1", ADMITTED));
        assertThrows(SQLException.class, () -> selectOne(p, "127.0.0.1", STANDBY_ONLY), "n1's config has no such rule");
    }

    /** {@code vigilctl reload} of the rules: a running primary admits and refuses by them at once, not restarted. */
    @Test
    void newRulesAreInForceWithoutARestart() throws Exception {
        PgFixture.Node p = primaryWithApp("0.0.0.0");
        String started = p.query("SELECT pg_postmaster_start_time()");
        assertThrows(SQLException.class, () -> selectOne(p, "127.0.0.1", STANDBY_ONLY), "not admitted yet");

        String more = "host    appdb        app          " + STANDBY_ONLY + "/32        scram-sha-256";
        require(p.pg.applyClientRules(List.of(RULE, more)), "apply two rules");
        assertEquals(1, selectOne(p, "127.0.0.1", STANDBY_ONLY));
        require(p.pg.applyClientRules(List.of(more)), "apply one rule");
        SQLException refused = assertThrows(SQLException.class, () -> selectOne(p, "127.0.0.1", ADMITTED));
        assertTrue(refused.getMessage().contains("no pg_hba.conf entry for host \"" + ADMITTED + "\""), refused.getMessage());
        assertEquals(started, p.query("SELECT pg_postmaster_start_time()"), "reloaded, not restarted");

        // the rules are the ones every later write of the block uses: a role change's rewrite (and reload) keeps them
        p.pg.configurePrimary();
        assertEquals(1, selectOne(p, "127.0.0.1", STANDBY_ONLY));

        // a line PostgreSQL refuses (cert without SSL) is not loaded, nor left in the file for the next start
        String hba = java.nio.file.Files.readString(p.settings.configDir().resolve("pg_hba.conf"));
        CommandResult refusedRules = p.pg.applyClientRules(List.of(RULE, "host    appdb        app          "
                + NOBODY + "/32        cert"));
        assertTrue(!refusedRules.ok() && refusedRules.outputTail().contains("PostgreSQL refuses pg_hba.conf with them")
                && refusedRules.outputTail().contains("the rules before stay"), refusedRules.outputTail());
        assertEquals(hba, java.nio.file.Files.readString(p.settings.configDir().resolve("pg_hba.conf")), "put back");
        assertEquals(1, selectOne(p, "127.0.0.1", STANDBY_ONLY), "the rules before are in force");
        p.pg.configurePrimary();
        assertEquals(hba, java.nio.file.Files.readString(p.settings.configDir().resolve("pg_hba.conf")),
                "and are the ones later writes use");
        assertThrows(SQLException.class, () -> selectOne(p, "127.0.0.1", ADMITTED));
    }

    /** A started primary "n1" listening on {@code listen}, admitting clients by {@link #RULE}, with the app's role and database. */
    private PgFixture.Node primaryWithApp(String listen) throws Exception {
        PgFixture.Node p = fx.node("n1", listen, List.of(RULE));
        require(p.pg.initPrimary(true), "initPrimary");
        require(p.pg.start(), "start n1");
        p.execute("CREATE ROLE app LOGIN PASSWORD '" + APP_PASSWORD + "'");
        p.execute("CREATE DATABASE appdb OWNER app");
        return p;
    }

    /** SELECT 1 as app on appdb, over TCP to {@code host}, from the local address {@code from}. */
    static int selectOne(PgFixture.Node n, String host, String from) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", APP_PASSWORD);
        props.setProperty("localSocketAddress", from);
        props.setProperty("connectTimeout", "5");
        props.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + n.settings.port() + "/appdb", props);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
