package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The PostgreSQL instances of a {@link VigilCluster} started by {@code clusterWithPrimary}: looked at
 * from outside, over each node's Unix socket with {@code psql} run as the postgres user (peer
 * authentication through vigil's ident map), never through vigild. Faults are applied by PID.
 */
public final class PgNodes {
    public static final String WRITER_ROLE = "writer";
    public static final String TABLE = "writes";
    private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(100);

    /** What one node's PostgreSQL said about itself; {@code standbys} = pg_stat_replication as name → state. */
    public record PgNodeState(String node, boolean primary, long timeline, Map<String, String> standbys) {
        public boolean streams(String standby) {
            return "streaming".equals(standbys.get(standby));
        }
    }

    private final VigilCluster cluster;
    private final ClusterFiles files;
    private final NetnsRig rig;

    PgNodes(VigilCluster cluster, ClusterFiles files) {
        this.cluster = cluster;
        this.files = files;
        this.rig = cluster.rig();
    }

    /** Empty when PostgreSQL 15 and the postgres user are there, else what is missing. */
    public static Optional<String> precondition() {
        if (!Files.isExecutable(PgOptions.BINDIR.resolve("pg_ctl"))) {
            return Optional.of("PostgreSQL 15 is not installed (no " + PgOptions.BINDIR.resolve("pg_ctl")
                    + "): run bin/setup-host as root, or apt-get install postgresql-15");
        }
        if (!Shell.run(Duration.ofSeconds(5), "id", "-u", PgOptions.OS_USER).ok()) {
            return Optional.of("no OS user " + PgOptions.OS_USER + " (it comes with the postgresql-15 package)");
        }
        return Optional.empty();
    }

    public Path dataDir(String node) {
        return files.pgData(node);
    }

    /** The node's unix_socket_directories: its socket and the socket's lock file. */
    public Path socketDir(String node) {
        return files.pgSocketDir(node);
    }

    /** Runs SQL on the node's PostgreSQL as the superuser; unaligned, tuples only, '|' between columns. */
    public ExecResult psql(String node, String sql) {
        return rig.exec(null, PSQL_TIMEOUT, "runuser", "-u", PgOptions.OS_USER, "--",
                PgOptions.BINDIR.resolve("psql").toString(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-h", files.pgSocketDir(node).toString(), "-p", Integer.toString(PgOptions.PORT),
                "-d", "postgres", "-c", sql);
    }

    private static final String STATE_SQL = "select pg_is_in_recovery(), case when pg_is_in_recovery()"
            + " then coalesce((select received_tli from pg_stat_wal_receiver), 0)"
            + " else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end,"
            + " coalesce((select string_agg(application_name || ':' || state, ',') from pg_stat_replication), '')";

    /** The node's PostgreSQL's own view; empty when it does not answer. */
    public Optional<PgNodeState> state(String node) {
        ExecResult r = psql(node, STATE_SQL);
        if (!r.ok()) {
            return Optional.empty();
        }
        String[] f = r.output().strip().split("\\|", -1);
        if (f.length != 3) {
            return Optional.empty();
        }
        Map<String, String> standbys = new LinkedHashMap<>();
        Arrays.stream(f[2].split(",")).filter(s -> s.contains(":"))
                .forEach(s -> standbys.put(s.substring(0, s.indexOf(':')), s.substring(s.indexOf(':') + 1)));
        return Optional.of(new PgNodeState(node, f[0].equals("f"), Long.parseLong(f[1]), Map.copyOf(standbys)));
    }

    public Map<String, Optional<PgNodeState>> states() {
        Map<String, Optional<PgNodeState>> m = new LinkedHashMap<>();
        cluster.nodes().forEach(n -> m.put(n, state(n)));
        return m;
    }

    /** Polls every node until {@code check} yields a value; fails with all states and logs at the deadline. */
    public <T> T await(String what, Duration limit, Function<Map<String, Optional<PgNodeState>>, Optional<T>> check) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            cluster.failIfADaemonDied();
            Map<String, Optional<PgNodeState>> last = states();
            Optional<T> t = check.apply(last);
            if (t.isPresent()) {
                return t.get();
            }
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder("PostgreSQL: no " + what + " within " + limit + "; last states:\n");
                last.forEach((n, s) -> sb.append("  ").append(n).append(": ")
                        .append(s.map(Object::toString).orElse("(no answer)")).append('\n'));
                throw new RigException(sb + cluster.dumpLogs(60) + serverLogs(20));
            }
            sleep(POLL);
        }
    }

    /** One primary that both other nodes stream from (as its pg_stat_replication says); returns its node. */
    public String awaitPrimaryWithStandbys(Duration limit) {
        return awaitPrimaryWithStandbys(limit, cluster.nodes());
    }

    /** One primary among {@code among} that every other node of {@code among} streams from. */
    public String awaitPrimaryWithStandbys(Duration limit, List<String> among) {
        return await("primary with streaming standbys " + among, limit, m -> primaryWithStandbys(m, among));
    }

    public static Optional<String> primaryWithStandbys(Map<String, Optional<PgNodeState>> m, List<String> among) {
        List<PgNodeState> primaries = m.values().stream().flatMap(Optional::stream).filter(PgNodeState::primary)
                .toList();
        if (primaries.size() != 1 || !among.contains(primaries.get(0).node())) {
            return Optional.empty();
        }
        PgNodeState p = primaries.get(0);
        boolean all = among.stream().filter(n -> !n.equals(p.node())).allMatch(p::streams);
        return all ? Optional.of(p.node()) : Optional.empty();
    }

    /** The nodes whose PostgreSQL answers as a primary right now. */
    public List<String> primaries() {
        return states().values().stream().flatMap(Optional::stream).filter(PgNodeState::primary)
                .map(PgNodeState::node).toList();
    }

    /**
     * The writer's role (no password: trusted from the client address only, by the {@code client_access} rule of
     * every node's config, which vigild writes into pg_hba.conf) and its table.
     */
    void prepareWriter(String primary) {
        psql(primary, "CREATE ROLE " + WRITER_ROLE + " LOGIN; CREATE TABLE " + TABLE
                + " (seq bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); GRANT SELECT, INSERT ON "
                + TABLE + " TO " + WRITER_ROLE + ";").orThrow("create the writer's role and table on " + primary);
    }

    /** The sequence numbers in the writer's table on {@code node}. */
    public Set<Long> rows(String node) {
        ExecResult r = rig.exec(null, Duration.ofSeconds(30), "runuser", "-u", PgOptions.OS_USER, "--",
                PgOptions.BINDIR.resolve("psql").toString(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                "-h", files.pgSocketDir(node).toString(), "-p", Integer.toString(PgOptions.PORT),
                "-d", "postgres", "-c", "SELECT seq FROM " + TABLE);
        r.orThrow("read " + TABLE + " on " + node);
        Set<Long> seqs = new HashSet<>();
        r.output().lines().map(String::strip).filter(l -> l.matches("[0-9]+")).map(Long::valueOf).forEach(seqs::add);
        return seqs;
    }

    /** The postmaster's PID from postmaster.pid, if the file is there (it may be stale). */
    public Optional<Long> postmasterPid(String node) {
        try {
            List<String> lines = Files.readAllLines(files.pgData(node).resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.valueOf(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGKILL of the node's postmaster only (its backends notice and exit); returns the fault instant in mono ms. */
    public double kill9Postmaster(String node) {
        long pid = postmasterPid(node).filter(p -> ProcFs.comm(p).map(c -> c.startsWith("postgres")).orElse(false))
                .orElseThrow(() -> new RigException("no running postmaster on " + node + " (" + dataDir(node) + ")"));
        // SIGKILL from this JVM, not by spawning kill(1): a spawn read from a cold page cache took tens of ms, all
        // of it counted as the daemon's detection time.
        double at = VigilCluster.monoNowMs();
        if (!ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
            throw new RigException("kill -9 postmaster " + pid + " of " + node + ": it is gone or cannot be signalled");
        }
        return at;
    }

    /**
     * PIDs of the node's PostgreSQL processes whose title contains {@code role} (e.g. "walreceiver"), found
     * among the processes of the node's namespace.
     */
    public List<Long> processes(String node, String role) {
        return rig.pidsIn(rig.ns(node)).stream().filter(pid -> {
            try {
                String cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
                return cmd.startsWith("postgres:") && cmd.contains(role);
            } catch (IOException e) {
                return false;
            }
        }).toList();
    }

    /**
     * Holds back (or, {@code hold} false, releases) everything the node's PostgreSQL sends to the other nodes:
     * an nftables rule in its namespace drops its outgoing packets from port 5432 to the other node addresses,
     * so the standbys stop receiving WAL while clients (the writer) keep being served. Asynchronous commits go
     * on being acknowledged: those are the writes a failover then loses.
     */
    public void holdReplication(String node, boolean hold) {
        holdReplication(node, hold, cluster.nodes().stream().filter(n -> !n.equals(node)).toList());
    }

    /**
     * As {@link #holdReplication(String, boolean)}, towards the nodes {@code to} only (at least one). Releasing
     * ({@code hold} false) releases every hold of {@code node}, whichever nodes it was towards: one table holds them.
     */
    public void holdReplication(String node, boolean hold, java.util.Collection<String> to) {
        if (hold && to.isEmpty()) throw new IllegalArgumentException("holdReplication of " + node + " towards nobody");
        if (Shell.which("nft").isEmpty()) {
            throw new RigException("`nft` is missing: apt-get install -y nftables");
        }
        String ns = rig.ns(node);
        rig.exec(ns, "nft", "delete", "table", "inet", "vigil_repl"); // absent is fine
        if (!hold) {
            return;
        }
        String others = String.join(", ", to.stream().map(rig::address).toList());
        String script = "table inet vigil_repl {\n  chain output { type filter hook output priority -10; policy accept;"
                + " ip daddr { " + others + " } tcp sport " + PgOptions.PORT + " drop; }\n}\n";
        try {
            Path f = files.nodeDir(node).resolve("hold-replication.nft");
            Files.writeString(f, script);
            rig.exec(ns, "nft", "-f", f.toString()).orThrow("nft -f " + f + " in " + ns);
        } catch (IOException e) {
            throw new RigException("cannot write nft script: " + e.getMessage(), e);
        }
    }

    /** The last lines of every node's PostgreSQL server log. */
    public String serverLogs(int lines) {
        StringBuilder sb = new StringBuilder();
        for (String n : cluster.nodes()) {
            Path log = files.pgData(n).resolve("postmaster.log");
            sb.append("---- ").append(n).append(" postgres (").append(log).append(") ----\n");
            try {
                List<String> all = Files.readAllLines(log);
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("(none: ").append(e.getMessage()).append(")\n");
            }
        }
        return sb.toString();
    }

    /**
     * Stops every instance (pg_ctl immediate; the rig kills whatever is left in the namespaces), keeps each
     * server log as nK/postgres.log and removes the data directories.
     */
    void close() {
        for (String n : cluster.nodes()) {
            Path data = files.pgData(n);
            if (Files.exists(data.resolve("postmaster.pid"))) {
                rig.exec(null, Duration.ofSeconds(20), "runuser", "-u", PgOptions.OS_USER, "--",
                        PgOptions.BINDIR.resolve("pg_ctl").toString(), "stop", "-m", "immediate", "-w", "-D",
                        data.toString());
            }
            try {
                Path log = data.resolve("postmaster.log");
                if (Files.exists(log)) {
                    Files.copy(log, files.nodeDir(n).resolve("postgres.log"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException ignored) {
                // the log is a convenience
            }
            if (postmasterPid(n).map(p -> ProcFs.comm(p).isPresent()).orElse(false)) {
                continue; // still running: leave the data for the rig's namespace sweep, do not pull it away
            }
            rig.exec(null, Duration.ofSeconds(30), "rm", "-rf", "--one-file-system", files.pgHome(n).toString());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted while waiting", e);
        }
    }
}
