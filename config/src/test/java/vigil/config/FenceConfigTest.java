package vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.assertProblem;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster.nodes[].fence}: the devices that can power a member off, and that no password is ever written. */
class FenceConfigTest {
    @TempDir
    Path dir;
    ConfigFixture fx;
    Path agent;
    Path passFile;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ConfigFixture(dir);
        Path bin = Files.createDirectory(dir.resolve("sbin"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        agent = bin.resolve("fence_ipmilan");
        Files.writeString(agent, "#!/bin/sh\n");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
        passFile = dir.resolve("n2-bmc.pass");
        Files.writeString(passFile, "bmc-s3cret\n");
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
    }

    /** The device list of n2 starts on line 9, the first device's keys at column 11 (after "- "). */
    LoadResult load(String devices) {
        return fx.load("""
                cluster:
                  name: maas
                  nodes:
                    - name: n1
                      address: 10.232.1.11
                    - name: n2
                      address: 10.232.1.12
                      fence:
                """ + devices.replace("AGENT", agent.toString()).replace("PASSFILE", passFile.toString()) + """
                    - name: w1
                      address: 10.232.1.13
                      role: witness
                  security:
                    key_file: KEY
                node:
                  name: n1
                """);
    }

    @Test
    void devicesAreReadWithDefaultsAndLevels() {
        LoadResult r = load("""
                        - agent: AGENT
                          ip: 10.232.9.12
                          port: 6230
                          username: admin
                          lanplus: true
                          options: "method=onoff, power_wait=4 cipher=3"
                          password_file: PASSFILE
                        - {level: 2, agent: AGENT, ip: virt-host, plug: maas-n2, timeout: 5s}
                """);
        assertTrue(r.ok(), dump(r));
        List<NodeSpec> nodes = r.config().orElseThrow().cluster().nodes();
        Map<String, String> options = new LinkedHashMap<>();
        options.put("method", "onoff");
        options.put("power_wait", "4");
        options.put("cipher", "3");
        assertEquals(List.of(
                new FenceDevice(1, agent, Optional.of("10.232.9.12"), OptionalInt.of(6230), Optional.of("admin"),
                        Optional.empty(), true, options, Optional.of(passFile), Optional.empty(), Duration.ofSeconds(20)),
                new FenceDevice(2, agent, Optional.of("virt-host"), OptionalInt.empty(), Optional.empty(),
                        Optional.of("maas-n2"), false, Map.of(), Optional.empty(), Optional.empty(), Duration.ofSeconds(5))),
                nodes.get(1).fence());
        assertEquals(List.of("method", "power_wait", "cipher"), List.copyOf(nodes.get(1).fence().get(0).options().keySet()),
                "options keep their order");
        assertEquals(List.of(), nodes.get(0).fence(), "n1 has none");
        assertEquals("fence_ipmilan@10.232.9.12", nodes.get(1).fence().get(0).label());
    }

    @Test
    void aPasswordInTheConfigIsRefusedWithoutShowingIt() {
        LoadResult r = load("""
                        - agent: AGENT
                          password: hunter2-literal
                """);
        assertFalse(r.ok());
        assertError(r, "cluster.nodes[1].fence[0].password", 10, 11, "a password is never written in the config file");
        assertError(load("        - {agent: AGENT, passwd: hunter2-literal}\n"), "cluster.nodes[1].fence[0].passwd", 9, 0,
                "set password_file to it");
        for (String yaml : List.of("        - {agent: AGENT, options: \"password=hunter2-literal\"}\n",
                "        - {agent: AGENT, options: \"method=cycle,passwd=hunter2-literal\"}\n",
                "        - {agent: AGENT, options: \"method=cycle hunter2-literal\"}\n")) {
            LoadResult o = load(yaml);
            assertFalse(o.ok(), yaml);
            assertFalse(dump(o).contains("hunter2"), "the value is never repeated: " + dump(o));
        }
        assertError(load("        - {agent: AGENT, options: \"password=hunter2-literal\"}\n"),
                "cluster.nodes[1].fence[0].options", 9, 0, "options must not hold a password (password=...)");
        assertError(load("        - {agent: AGENT, options: \"method=cycle hunter2-literal\"}\n"),
                "cluster.nodes[1].fence[0].options", 9, 0, "item 2 is not key=value");
    }

    @Test
    void optionsMustNotSetWhatVigilSetsOrWhatHasItsOwnSetting() {
        assertError(load("        - {agent: AGENT, options: \"port=3\"}\n"), "cluster.nodes[1].fence[0].options", 9, 0,
                "options must not set port — use the plug setting (fence-agents' port is the plug)");
        assertError(load("        - {agent: AGENT, options: \"action=reboot\"}\n"), "cluster.nodes[1].fence[0].options", 9, 0,
                "vigild sets the action itself");
        assertError(load("        - {agent: AGENT, options: \"password-script=/bin/x\"}\n"),
                "cluster.nodes[1].fence[0].options", 9, 0, "use the password_script setting");
        assertError(load("        - {agent: AGENT, options: \"method=on method=off\"}\n"),
                "cluster.nodes[1].fence[0].options", 9, 0, "option method is given twice");
        assertError(load("        - {agent: AGENT, options: \"Method=x\"}\n"),
                "cluster.nodes[1].fence[0].options", 9, 0, "\"Method\" is not an option name");
        LoadResult ok = load("        - {agent: AGENT, options: \"snmp_priv_passwd_script=/usr/local/sbin/x ssl_insecure=1\"}\n");
        assertTrue(ok.ok(), "a script path is no secret: " + dump(ok));
    }

    @Test
    void thePasswordFileMustBePrivateAndExclusive() throws Exception {
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertError(load("        - {agent: AGENT, password_file: PASSFILE}\n"), "cluster.nodes[1].fence[0].password_file",
                9, 0, "can be read or written by group or others — run: chmod 600 " + passFile);
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
        assertError(load("        - {agent: AGENT, password_file: PASSFILE, password_script: AGENT}\n"),
                "cluster.nodes[1].fence[0].password_script", 9, 0, "password_file and password_script are both set");
        LoadResult missing = load("        - {agent: AGENT, password_file: " + dir.resolve("nope") + "}\n");
        assertTrue(missing.ok(), dump(missing));
        assertProblem(missing, Problem.Severity.WARNING, "cluster.nodes[1].fence[0].password_file", 9, 0,
                "does not exist on this node — create it (mode 0600) on every node that may fence this member");
    }

    @Test
    void theAgentMustBeRootsButMayBeMissingHere() throws Exception {
        LoadResult missing = load("        - agent: " + dir.resolve("fence_nope") + "\n");
        assertTrue(missing.ok(), "needed only on the nodes that may fence: " + dump(missing));
        assertProblem(missing, Problem.Severity.WARNING, "cluster.nodes[1].fence[0].agent", 9, 18,
                "fence agent " + dir.resolve("fence_nope") + " does not exist on this node — install it");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rw-r--r--"));
        assertError(load("        - agent: AGENT\n"), "cluster.nodes[1].fence[0].agent", 9, 18,
                "fence agent " + agent + " is not executable");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertError(load("        - agent: AGENT\n"), "cluster.nodes[1].fence[0].agent", 9, 18,
                "is writable by group or others — run: chmod go-w " + agent);
        assertError(load("        - {ip: 10.0.0.1}\n"), "cluster.nodes[1].fence[0].agent", 9, 0,
                "missing required setting — add \"agent:\"");
    }

    @Test
    void levelsAndPortsHaveRanges() {
        assertError(load("        - {agent: AGENT, level: 0}\n"), "cluster.nodes[1].fence[0].level", 9, 0,
                "0 is out of range — a fence level must be between 1 and 9");
        assertError(load("        - {agent: AGENT, port: 70000}\n"), "cluster.nodes[1].fence[0].port", 9, 0,
                "must be between 1 and 65535");
        assertError(load("        - {agent: AGENT, pug: x}\n"), "cluster.nodes[1].fence[0].pug", 9, 0,
                "unknown setting — did you mean plug?");
    }

    @Test
    void fenceDevicesArePartOfTheClusterHash() {
        LoadResult a = load("        - {agent: AGENT, ip: 10.232.9.12}\n");
        LoadResult b = load("        - {agent: AGENT, ip: 10.232.9.13}\n");
        assertTrue(a.ok() && b.ok(), dump(a) + dump(b));
        assertNotEquals(a.config().orElseThrow().clusterHash(), b.config().orElseThrow().clusterHash());
        assertTrue(CanonicalCluster.text(a.config().orElseThrow().cluster())
                .contains("cluster.nodes[n2].fence[0].ip=10.232.9.12\n"));
    }
}
