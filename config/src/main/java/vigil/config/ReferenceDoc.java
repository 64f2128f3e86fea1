package vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates {@code docs/configuration.md} from the setting declarations in {@link Schema}, so the reference
 * cannot drift from what the loader accepts. A unit test fails when the checked-in file is stale.
 * Run at the repository root (or pass the output file as the only argument):
 * {@value #REGENERATE}.
 */
public final class ReferenceDoc {
    static final String REGENERATE =
            "mvn -q -o -pl config compile && java -cp config/target/classes vigil.config.ReferenceDoc";

    /** A complete, valid config; the reference doc shows it and a unit test loads it. */
    static final String EXAMPLE = """
            # /etc/vigil/vigil.yaml
            cluster:                        # identical on every node
              name: maas
              nodes:
                - name: n1
                  address: 10.232.1.11
                  priority: 200             # preferred leader
                - name: n2
                  address: 10.232.1.12
                - name: w1
                  address: 10.232.1.13
                  role: witness             # votes, never leads
              timing:
                heartbeat_interval: 150ms
                lease: 1500ms
                clock_drift_bound: 0.01
                failure_detection_timeout: 3s
                suspect_verify_timeout: 1s
                join_timeout: 2s
              security:
                key_file: /etc/vigil/cluster.key
              postgres:                     # optional: vigil manages PostgreSQL 15
                replication_user: replicator
                synchronous: false
                max_lag_on_failover: 1MB
                probe_timeout: 500ms
            node:                           # this node only
              name: n1
              state_dir: /var/lib/vigil
              admin:
                socket: /run/vigil/admin.sock
              postgres:
                data_dir: /var/lib/postgresql/15/main
                config_dir: /etc/postgresql/15/main
                port: 5432
              watchdog:
                mode: auto                  # required: never run without it
                device: /dev/watchdog
                timeout: 1s
                reset_slack: 50ms
            """;

    private ReferenceDoc() {}

    /** Writes the reference to {@code args[0]}, or to docs/configuration.md of the enclosing repository. */
    public static void main(String[] args) throws IOException {
        Path target = args.length > 0 ? Path.of(args[0]) : checkedInPath();
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, render(), StandardCharsets.UTF_8);
        System.out.println("wrote " + target);
    }

    /** docs/configuration.md at the repository root: the closest directory above the working directory holding config/pom.xml. */
    static Path checkedInPath() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("config/pom.xml")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d.resolve("docs/configuration.md");
            }
        }
        throw new IllegalStateException("not inside the vigil repository (no config/pom.xml above "
                + Path.of("").toAbsolutePath() + ")");
    }

    static String render() {
        StringBuilder md = new StringBuilder();
        md.append("# vigil configuration reference\n\n")
          .append("<!-- Generated from config/src/main/java/vigil/config/Schema.java by vigil.config.ReferenceDoc.\n")
          .append("     Do not edit by hand; regenerate with: ").append(REGENERATE).append(" -->\n\n")
          .append("`vigild --config FILE` reads one YAML file. `vigild --check-config --config FILE` checks it and\n")
          .append("prints every problem at once as `FILE:LINE:COL: error|warning: setting.path: message`.\n\n")
          .append("Values are never converted: a quoted `\"7800\"` is a string, not a port; `true` is not a name;\n")
          .append("a duration needs its unit (`150ms`, `1.5s`, `2m`), a bare `150` is an error. Unknown settings are\n")
          .append("errors. Warnings (fewer than 3 voters, `insecure: true`) do not stop vigild.\n\n")
          .append("## Rules involving several settings\n\n")
          .append("- `cluster.nodes[].name` values are unique, and so are `address` + `port` pairs.\n")
          .append("- `node.name` (or, when it is absent, the short host name) must be one of `cluster.nodes[].name`.\n")
          .append("- At least one node has `role: data`; fewer than 3 voters is a warning.\n")
          .append("- `lease` > 3 x `heartbeat_interval`; `failure_detection_timeout` >= 2 x `heartbeat_interval`.\n")
          .append("- Exactly one of `cluster.security.key_file` and `cluster.security.insecure: true`.\n")
          .append("- `cluster.postgres` and `node.postgres` are both present or both absent; `node.postgres.bindir`\n")
          .append("  must hold an executable `pg_ctl`; `replication_password_file` must be mode 0600 or 0400.\n")
          .append("- Unless `node.watchdog.mode` is `off`: `node.watchdog.timeout` + `reset_slack` + 150 ms <=\n")
          .append("  `cluster.timing.lease` x (1 - 2 x `clock_drift_bound`), so a stalled node is reset before its lease\n")
          .append("  ends; with `mode: required` the device must exist.\n")
          .append("- The `cluster` section must be identical on every node; `VigilConfig.clusterHash()` is a\n")
          .append("  SHA-256 of its canonical form (independent of layout, comments and duration spelling).\n\n")
          .append("## Settings\n");
        for (Setting s : Schema.SETTINGS) {
            md.append("\n### `").append(s.path).append("`\n\n").append(s.doc).append("\n\n")
              .append("| Type | Format | Unit | Default |\n|---|---|---|---|\n")
              .append("| ").append(s.type.docName).append(" | ").append(s.type.docFormat).append(" | ")
              .append(unit(s)).append(" | ").append(defaultText(s)).append(" |\n");
            if (!s.example.isEmpty()) {
                md.append("\nExample: `").append(s.key()).append(": ").append(s.example).append("`\n");
            }
        }
        md.append("\n## Example\n\n```yaml\n").append(EXAMPLE).append("```\n");
        return md.toString();
    }

    private static String unit(Setting s) {
        if (s.type == ValueType.DURATION) {
            return "ms, s or m, written with the value";
        }
        return s.unit.isEmpty() ? "-" : s.unit;
    }

    private static String defaultText(Setting s) {
        return switch (s.presence) {
            case REQUIRED -> "required";
            case DEFAULTED -> "`" + s.defaultDoc + "`";
            case OPTIONAL -> s.defaultDoc;
        };
    }
}
