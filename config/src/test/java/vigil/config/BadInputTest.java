package vigil.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.config.ConfigFixture.assertError;
import static vigil.config.ConfigFixture.dump;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One mistake per file; each must yield an error at the exact setting, line and column. */
class BadInputTest {
    @TempDir
    Path dir;

    /** Lines 1-7 of a valid config; cases append from line 8 on. */
    static final String THREE_NODES = """
            cluster:
              name: maas
              nodes:
                - {name: n1, address: 10.232.1.11}
                - {name: n2, address: 10.232.1.12}
                - {name: w1, address: 10.232.1.13, role: witness}
              security: {key_file: KEY}
            """;

    static Arguments bad(String name, String yaml, String path, int line, int column, String text) {
        return Arguments.of(name, yaml, path, line, column, text);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
            bad("bare number for a duration", THREE_NODES + """
                      timing:
                        heartbeat_interval: 150
                    """, "cluster.timing.heartbeat_interval", 9, 25, "a duration needs a unit, got the number 150 — write 150ms or 150s"),
            bad("unknown duration unit", THREE_NODES + """
                      timing:
                        join_timeout: 2h
                    """, "cluster.timing.join_timeout", 9, 19, "expected a duration such as 150ms, 1.5s or 2m"),
            bad("lease not above 3 heartbeats", THREE_NODES + """
                      timing:
                        heartbeat_interval: 200ms
                        lease: 600ms
                    """, "cluster.timing.lease", 10, 12, "more than 3 x heartbeat_interval (3 x 200ms = 600ms)"),
            bad("failure detection below 2 heartbeats", THREE_NODES + """
                      timing:
                        failure_detection_timeout: 250ms
                    """, "cluster.timing.failure_detection_timeout", 9, 32, "at least 2 x heartbeat_interval (2 x 150ms = 300ms)"),
            bad("clock drift bound too large", THREE_NODES + """
                      timing:
                        clock_drift_bound: 0.1
                    """, "cluster.timing.clock_drift_bound", 9, 24, "0.1 is out of range"),
            bad("misspelt timing key", THREE_NODES + """
                      timing:
                        heartbeat_intervall: 150ms
                    """, "cluster.timing.heartbeat_intervall", 9, 5, "unknown setting — did you mean heartbeat_interval?"),
            bad("boolean for a name", THREE_NODES + """
                    node:
                      name: true
                    """, "node.name", 9, 9, "expected a name, got the boolean true"),
            bad("number for a name", THREE_NODES + """
                    node:
                      name: 123
                    """, "node.name", 9, 9, "quote it if you mean the text"),
            bad("this node not a member", THREE_NODES + """
                    node:
                      name: n7
                    """, "node.name", 9, 9, "node \"n7\" is not in cluster.nodes (n1, n2, w1)"),
            bad("relative state_dir", THREE_NODES + """
                    node:
                      state_dir: var/lib/vigil
                    """, "node.state_dir", 9, 14, "is a relative path"),
            bad("state_dir is a file", THREE_NODES + """
                    node:
                      state_dir: KEY
                    """, "node.state_dir", 9, 14, "exists but is not a directory"),
            bad("admin group does not exist", THREE_NODES + """
                    node:
                      admin:
                        group: nosuchgroup-x
                    """, "node.admin.group", 10, 12, "group \"nosuchgroup-x\" does not exist"),
            bad("bad bind address", THREE_NODES + """
                    node:
                      bind_address: "10.232.1.256"
                    """, "node.bind_address", 9, 17, "is not an IP address or host name"),
            bad("node section is a scalar", THREE_NODES + """
                    node: n1
                    """, "node", 8, 7, "got the string \"n1\" — fix the indentation"),
            bad("unknown top-level key", THREE_NODES + """
                    nodes: []
                    """, "nodes", 8, 1, "unknown setting — did you mean node?"),
            bad("setting in the wrong section", THREE_NODES + """
                      lease: 2s
                    """, "cluster.lease", 8, 3, "lease belongs under cluster.timing"),
            bad("duplicate node name", """
                    cluster:
                      name: maas
                      nodes:
                        - {name: n1, address: 10.232.1.11}
                        - {name: n2, address: 10.232.1.12}
                        - {name: n1, address: 10.232.1.13}
                      security: {key_file: KEY}
                    """, "cluster.nodes[2].name", 6, 14, "duplicate node name \"n1\" (first at line 4)"),
            bad("duplicate address and port", """
                    cluster:
                      name: maas
                      nodes:
                        - {name: n1, address: 10.232.1.11}
                        - {name: n2, address: 10.232.1.11, port: 7800}
                        - {name: w1, address: 10.232.1.13}
                      security: {key_file: KEY}
                    """, "cluster.nodes[1].address", 5, 46, "10.232.1.11:7800 are already used by cluster.nodes[0] (line 4)"),
            bad("no data node", """
                    cluster:
                      name: maas
                      nodes:
                        - {name: n1, address: 10.232.1.11, role: witness}
                        - {name: n2, address: 10.232.1.12, role: witness}
                        - {name: w1, address: 10.232.1.13, role: witness}
                      security: {key_file: KEY}
                    """, "cluster.nodes", 3, 3, "no data node"),
            bad("port out of range", THREE_NODES.replace("10.232.1.11}", "10.232.1.11, port: 70000}"),
                    "cluster.nodes[0].port", 4, 46, "70000 is out of range — a TCP port must be between 1 and 65535"),
            bad("priority out of range", THREE_NODES.replace("10.232.1.11}", "10.232.1.11, priority: 1001}"),
                    "cluster.nodes[0].priority", 4, 50, "must be between 0 and 1000"),
            bad("unknown role", THREE_NODES.replace("role: witness", "role: leader"),
                    "cluster.nodes[2].role", 6, 46, "unknown role \"leader\" — write data or witness"),
            bad("upper-case node name", THREE_NODES.replace("name: n1", "name: N1"),
                    "cluster.nodes[0].name", 4, 14, "\"N1\" is not a valid name"),
            bad("bad IPv4 literal", THREE_NODES.replace("10.232.1.11", "10.232.1.300"),
                    "cluster.nodes[0].address", 4, 27, "\"10.232.1.300\" is not an IP address or host name"),
            bad("nodes is a mapping, not a list", """
                    cluster:
                      name: maas
                      nodes:
                        name: n1
                        address: 10.232.1.11
                      security: {key_file: KEY}
                    """, "cluster.nodes", 4, 5, "expected a list of mappings"),
            bad("empty node list", """
                    cluster:
                      name: maas
                      nodes: []
                      security: {key_file: KEY}
                    """, "cluster.nodes", 3, 3, "the list is empty"),
            bad("missing cluster name", THREE_NODES.replace("  name: maas\n", ""),
                    "cluster.name", 1, 1, "missing required setting — add \"name:\" under cluster, e.g. name: maas"),
            bad("missing cluster section", """
                    node:
                      name: n1
                    """, "cluster", 1, 1, "missing required setting — add \"cluster:\" at the top level"),
            bad("neither key_file nor insecure", THREE_NODES.replace("  security: {key_file: KEY}\n", ""),
                    "cluster.security.key_file", 1, 1, "umask 077; head -c 32 /dev/urandom | base64 >"),
            bad("key_file and insecure together", THREE_NODES.replace("  security: {key_file: KEY}\n", """
                      security:
                        key_file: KEY
                        insecure: true
                    """), "cluster.security.insecure", 9, 15, "cannot be combined with key_file"),
            bad("quoted boolean", THREE_NODES.replace("  security: {key_file: KEY}\n", """
                      security:
                        insecure: "true"
                    """), "cluster.security.insecure", 8, 15, "expected true or false, got the string \"true\" — remove the quotes"),
            bad("duplicate key", THREE_NODES.replace("  name: maas\n", "  name: maas\n  name: other\n"),
                    "cluster.name", 3, 3, "duplicate key \"name\" (first at line 2)"),
            bad("YAML alias", THREE_NODES + """
                    node:
                      name: &me n1
                      bind_address: *me
                    """, "node.bind_address", 10, 17, "YAML alias *me is not supported"),
            bad("hexadecimal port", THREE_NODES.replace("10.232.1.11}", "10.232.1.11, port: 0x1F90}"),
                    "cluster.nodes[0].port", 4, 46, "write the number 0x1F90 in plain decimal digits"),
            bad("not-a-number drift bound", THREE_NODES + """
                      timing: {clock_drift_bound: .nan}
                    """, "cluster.timing.clock_drift_bound", 8, 31, "write the number .nan as a plain decimal"),
            bad("YAML 1.1 boolean spelling", THREE_NODES.replace("  security: {key_file: KEY}\n", """
                      security:
                        insecure: yes
                    """), "cluster.security.insecure", 8, 15, "write true instead of yes"),
            bad("empty cluster section", """
                    cluster:
                    node: {name: n1}
                    """, "cluster.nodes", 1, 1, "missing required setting — add \"nodes:\" under cluster"),
            bad("top level is a list", """
                    - cluster
                    """, "", 1, 1, "the top level must be a mapping"),
            bad("second YAML document", THREE_NODES + """
                    ---
                    node: {name: n1}
                    """, "", 9, 1, "a second YAML document starts here"),
            bad("YAML syntax error", """
                    cluster:
                      name: [maas
                      nodes: x
                    """, "", 3, 8, "invalid YAML"),
            bad("tab indentation", "cluster:\n\tname: maas\n", "", 2, 1, "invalid YAML"),
            bad("watchdog timeout not whole seconds", THREE_NODES + """
                    node:
                      watchdog:
                        timeout: 1500ms
                    """, "node.watchdog.timeout", 10, 14, "1500ms is not a whole number of seconds — the Linux"
                    + " watchdog API and softdog take whole seconds: write e.g. 1s or 2s"),
            bad("watchdog mode as a YAML boolean", THREE_NODES + """
                    node:
                      watchdog: {mode: on}
                    """, "node.watchdog.mode", 9, 20, "expected off, auto or required, got the boolean on"
                    + " — write auto or required"),
            bad("unknown watchdog mode", THREE_NODES + """
                    node:
                      watchdog:
                        mode: always
                    """, "node.watchdog.mode", 10, 11, "unknown watchdog mode \"always\" — write off, auto or required"),
            bad("required watchdog device missing", THREE_NODES + """
                    node:
                      watchdog:
                        mode: required
                        device: DIR/no-watchdog
                    """, "node.watchdog.device", 11, 13, "does not exist and mode is required — load the watchdog"
                    + " driver"),
            bad("watchdog timeout longer than the lease allows", THREE_NODES + """
                    node:
                      watchdog:
                        timeout: 2s
                    """, "node.watchdog.timeout", 10, 14, "timeout 2s + reset_slack 50ms + fence margin 150ms ="
                    + " 2200ms exceeds the leader's lease, lease x (1 - 2 x clock_drift_bound) = 1500ms x 0.98 ="
                    + " 1470ms"),
            bad("lease too short for the default watchdog", THREE_NODES + """
                      timing:
                        lease: 1200ms
                    """, "node.watchdog.timeout", 9, 12, "1200ms exceeds the leader's lease")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsTheMistakeWhereItIs(String name, String yaml, String path, int line, int column, String text) {
        LoadResult r = new ConfigFixture(dir).load(yaml);
        assertFalse(r.ok(), name + dump(r));
        assertTrue(r.config().isEmpty());
        assertError(r, path, line, column, text);
    }
}
