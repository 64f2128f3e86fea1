package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Real PostgreSQL 15 instances for integration tests: data directories under one temp directory owned by the
 * {@code postgres} user, servers on 127.0.0.1 with free high ports. {@link #close()} stops every instance it
 * created (pg_ctl immediate, then SIGKILL of the postmaster PID it started if needed) and removes the temp
 * directory, also after a failed test. Every command run is kept in {@link #commands} for assertions.
 */
public final class PgFixture implements AutoCloseable {
    public static final Path BINDIR = Path.of("/usr/lib/postgresql/15/bin");
    public static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    public final Path root;
    public final Path passwordFile;
    /** The replication password: random, so a test can search for it anywhere. */
    public final String password = "pw-" + UUID.randomUUID();
    public final List<CommandResult> commands = new CopyOnWriteArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    /** One PostgreSQL instance: its settings, its driver and its probe. */
    public final class Node {
        public final String name;
        public final PgSettings settings;
        public final Postgres pg;
        public final PgProbe probe;

        Node(String name, String listen, List<String> clientRules) throws IOException {
            this.name = name;
            Path home = root.resolve(name);
            Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            chownToPostgres(home);
            Path data = home.resolve("data");
            settings = new PgSettings(BINDIR, data, data, freePort(), listen, home, "postgres", "postgres",
                    "replicator", Optional.of(passwordFile), name, PROBE_TIMEOUT, List.of("127.0.0.1"), clientRules);
            pg = new Postgres(settings, r -> {
                commands.add(r);
                System.out.printf("[pg %s] exit=%d %dms %s%n", name, r.exitCode(), r.duration().toMillis(), r.argv());
                if (!r.ok()) {
                    System.out.println(r.outputTail());
                    printServerLog();
                }
            });
            probe = new PgProbe(settings);
        }

        /** The end of the server log, for diagnosing a failed command. */
        void printServerLog() {
            try {
                List<String> lines = Files.readAllLines(settings.dataDir().resolve("postmaster.log"));
                System.out.println("[pg " + name + "] server log:\n  "
                        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            } catch (IOException e) {
                System.out.println("[pg " + name + "] no server log: " + e);
            }
        }

        public Upstream upstream() {
            return new Upstream("127.0.0.1", settings.port());
        }

        /** A fresh superuser JDBC connection over the Unix socket (peer authentication, as the probe's). */
        public Connection connect() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", "postgres");
            p.setProperty("socketFactory", UnixSocketFactory.class.getName());
            p.setProperty("socketFactoryArg", PgProbe.socketFile(settings).toString());
            p.setProperty("connectTimeout", "5");
            p.setProperty("socketTimeout", "30");
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + settings.port() + "/postgres", p);
        }

        public void execute(String sql) throws SQLException {
            try (Connection c = connect(); var st = c.createStatement()) {
                st.execute(sql);
            }
        }

        /** The first column of the first row of {@code sql}, as text. */
        public String query(String sql) throws SQLException {
            try (Connection c = connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        }

        /** Probes until {@code ok} holds, for at most {@code within}; returns the state that satisfied it. */
        public PgState awaitState(Predicate<PgState> ok, Duration within, String what) {
            return await(probe::probe, ok, within, name + ": " + what);
        }

        void close() {
            probe.close();
            Optional<Long> pid = pg.postmasterPid();
            if (pid.isEmpty() || !Postgres.alive(pid.get())) {
                return;
            }
            ProcessHandle postmaster = ProcessHandle.of(pid.get()).orElseThrow();
            List<ProcessHandle> family = new ArrayList<>(postmaster.descendants().toList());
            family.add(postmaster);
            for (ProcessHandle h : family) {
                signal("CONT", h.pid()); // a test may have frozen them
            }
            if (!pg.stop(StopMode.IMMEDIATE).ok() && postmaster.isAlive()) {
                postmaster.destroyForcibly(); // by PID: only the postmaster this fixture started
            }
        }
    }

    public PgFixture() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "PostgreSQL integration tests need root (they give data directories to the postgres user); skipped");
        if (!Files.isExecutable(BINDIR.resolve("pg_ctl"))) {
            throw new IllegalStateException("PostgreSQL 15 is not installed (no " + BINDIR.resolve("pg_ctl")
                    + ") — run bin/setup-host as root, or: apt-get install postgresql-15");
        }
        root = Files.createTempDirectory("vigil-pg-it-");
        chownToPostgres(root);
        passwordFile = root.resolve("replication.pass"); // read by vigil (root) only
        Files.writeString(passwordFile, password + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    }

    public Node node(String name) throws IOException {
        return node(name, "127.0.0.1", List.of());
    }

    /** A node listening on {@code listen} that admits clients by {@code clientRules} (pg_hba lines). */
    public Node node(String name, String listen, List<String> clientRules) throws IOException {
        Node n = new Node(name, listen, clientRules);
        nodes.add(n);
        return n;
    }

    /** A started primary "n1". */
    public Node primary() throws IOException {
        Node n1 = node("n1");
        require(n1.pg.initPrimary(true), "initPrimary n1");
        require(n1.pg.start(), "start n1");
        return n1;
    }

    /** A started primary "n1" and a started standby "n2" streaming from it (n1 sees n2 streaming). */
    public List<Node> primaryWithStandby() throws IOException {
        Node n1 = primary();
        return List.of(n1, standby("n2", n1));
    }

    /** A started standby {@code name}, cloned from {@code primary} and streaming from it (the primary sees it streaming). */
    public Node standby(String name, Node primary) throws IOException {
        Node n = node(name);
        require(n.pg.cloneFrom(primary.upstream(), 0), "cloneFrom " + primary.name);
        n.pg.configureStandby(primary.upstream());
        require(n.pg.start(), "start " + name);
        await(primary.probe::replicas, r -> r.isPresent() && r.get().stream()
                .anyMatch(row -> row.applicationName().equals(name) && "streaming".equals(row.state())),
                Duration.ofSeconds(20), name + " streaming");
        return n;
    }

    public static CommandResult require(CommandResult r, String what) {
        if (!r.ok()) {
            throw new AssertionError(what + " failed: exit " + r.exitCode() + " " + r.argv() + "\n" + r.outputTail());
        }
        return r;
    }

    public static <T> T await(Supplier<T> get, Predicate<T> ok, Duration within, String what) {
        long deadline = System.nanoTime() + within.toNanos();
        T last = get.get();
        while (!ok.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within.toMillis() + " ms waiting for " + what + "; last: " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
            last = get.get();
        }
        return last;
    }

    static void signal(String sig, long pid) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void chownToPostgres(Path p) throws IOException {
        Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Node n : nodes) {
            try {
                n.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        PostgresFiles.deleteTree(root);
        if (first != null) {
            throw first;
        }
    }
}
