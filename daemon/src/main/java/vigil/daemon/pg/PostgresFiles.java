package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files vigil owns inside PostgreSQL's directories. The mechanism: all of vigil's settings live in
 * {@code <data_dir>/vigil.conf}, pulled in by one {@code include_if_exists} line that vigil appends once to the
 * end of {@code <config_dir>/postgresql.conf} (so vigil's values win over the operator's, and the operator's
 * file is otherwise untouched). pg_hba.conf and pg_ident.conf get one marked block each, at the top so it
 * matches first. Every write is atomic (temp file + rename) and leaves the file owned by the OS user.
 */
final class PostgresFiles {
    static final String LOOPBACK = "127.0.0.1";
    static final String CONF = "vigil.conf";
    static final String PGPASS = "vigil.pgpass";
    private static final String BEGIN = "# vigil: begin — managed by vigild; edits inside this block are overwritten";
    private static final String END = "# vigil: end";
    private static final String INCLUDE_COMMENT =
            "# Added by vigil: vigild's settings (listen address, port, replication) override the above.";
    private static final String HEADER = "# Managed by vigild: rewritten on every role change. Do not edit.\n";
    /** Settings that depend on the role; all others are rewritten from PgSettings every time. */
    static final List<String> ROLE_KEYS = List.of("primary_conninfo", "primary_slot_name", "recovery_target_timeline",
            "synchronous_standby_names");

    private final PgSettings s;
    private final OsAccount account;
    /**
     * The operator's pg_hba lines ({@code node.postgres.client_access}): from the settings at start, replaced by a
     * reload ({@link Postgres#applyClientRules}); every later write of vigil's block uses the current ones.
     */
    private volatile List<String> clientRules;

    PostgresFiles(PgSettings s, OsAccount account) {
        this.s = s;
        this.account = account;
        this.clientRules = s.clientRules();
    }

    List<String> clientRules() {
        return clientRules;
    }

    void clientRules(List<String> rules) {
        clientRules = List.copyOf(rules);
    }

    Path data(String name) {
        return s.dataDir().resolve(name);
    }

    Path postgresqlConf() {
        return s.configDir().resolve("postgresql.conf");
    }

    /** vigil.conf's settings that come from PgSettings alone. */
    Map<String, String> base() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("listen_addresses", quote(listenAddresses(s.listenAddress())));
        m.put("port", Integer.toString(s.port()));
        m.put("unix_socket_directories", quote(s.socketDir().toString()));
        m.put("cluster_name", quote(s.applicationName()));
        m.put("wal_level", "replica");
        m.put("wal_log_hints", "on");        // pg_rewind needs it (checksums alone would do, but not every cluster has them)
        m.put("hot_standby", "on");
        m.put("max_wal_senders", "10");
        m.put("wal_keep_size", quote("256MB")); // lets a standby or rewind catch up after a short absence
        // a commit waits for the synchronous standbys in synchronous_standby_names: no line of postgresql.conf may
        // weaken that (ALTER SYSTEM, role/database settings and a session's SET still can: the probe shows it)
        m.put("synchronous_commit", "on");
        if (s.slots().enabled()) {
            // what the slots of absent standbys may hold at most (ReplicationSlots): past it a slot is given up
            m.put("max_slot_wal_keep_size", quote(Math.max(1, s.slots().maxKeepBytes() >> 20) + "MB"));
        }
        // After a crash, PostgreSQL first syncs the whole data directory, one file at a time (0.45 s of a 0.7 s
        // restart measured on the rig): one syncfs() per file system does it at once (PostgreSQL 14 and later; with
        // the documented caveat that other writers' dirty pages on the same file systems are flushed too).
        // Not before Linux 5.8, whose syncfs() did not report write errors (PostgreSQL's documentation warns of it).
        if (majorVersion() >= 14 && syncfsReportsErrors(System.getProperty("os.name"), System.getProperty("os.version"))) {
            m.put("recovery_init_sync_method", "syncfs");
        }
        return m;
    }

    /** Linux 5.8 or later: syncfs() returns write errors (earlier kernels dropped them). */
    static boolean syncfsReportsErrors(String osName, String osVersion) {
        if (!"Linux".equals(osName) || osVersion == null) return false;
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(osVersion);
        if (!v.find()) return false;
        int major = Integer.parseInt(v.group(1));
        int minor = Integer.parseInt(v.group(2));
        return major > 5 || major == 5 && minor >= 8;
    }

    /** The data directory's PG_VERSION (13, 14, 15...), 0 when it cannot be read (no cluster yet). */
    int majorVersion() {
        try {
            return Integer.parseInt(Files.readString(data("PG_VERSION")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * PostgreSQL's listen_addresses for the configured address. A wildcard stands alone: {@code 0.0.0.0} already
     * covers 127.0.0.1, and binding both fails ("Address already in use"); {@code ::} means every IPv4 and IPv6
     * address, which PostgreSQL spells {@code *}. Any other address gets 127.0.0.1 beside it for local clients.
     */
    static String listenAddresses(String configured) {
        return switch (configured) {
            case "0.0.0.0", LOOPBACK -> configured;
            case "::", "*" -> "*";
            default -> LOOPBACK + "," + configured;
        };
    }

    /** The role settings currently in vigil.conf. */
    Map<String, String> readRoleSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        Path conf = data(CONF);
        if (!Files.isRegularFile(conf)) {
            return m;
        }
        for (String line : readLines(conf)) {
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).trim();
            if (ROLE_KEYS.contains(key)) {
                m.put(key, line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    /** Rewrites vigil.conf: base settings, then the role settings with {@code changes} applied (null value = remove). */
    void writeConf(Map<String, String> changes) {
        Map<String, String> role = readRoleSettings();
        changes.forEach((k, v) -> {
            if (v == null) {
                role.remove(k);
            } else {
                role.put(k, v);
            }
        });
        StringBuilder b = new StringBuilder(HEADER);
        base().forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        role.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        writeOwned(data(CONF), b.toString(), "rw-------");
    }

    /**
     * Makes the last line of postgresql.conf include vigil.conf, dropping any other vigil include (a copy from
     * another node by pg_basebackup or pg_rewind carries that node's line). The path is relative when
     * postgresql.conf lives in the data directory, so a copied file still names the local vigil.conf.
     */
    void ensureInclude() {
        Path conf = postgresqlConf();
        String target = s.configDir().equals(s.dataDir()) ? CONF : data(CONF).toString();
        String include = "include_if_exists = " + quote(target);
        List<String> lines = readLines(conf);
        List<String> kept = lines.stream()
                .filter(l -> !(l.trim().startsWith("include_if_exists") && l.contains(CONF)) && !l.equals(INCLUDE_COMMENT))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
            kept.remove(kept.size() - 1);
        }
        kept.add("");
        kept.add(INCLUDE_COMMENT);
        kept.add(include);
        if (kept.equals(lines)) {
            return;
        }
        StringBuilder b = new StringBuilder();
        kept.forEach(l -> b.append(l).append('\n'));
        writeOwned(conf, b.toString(), perms(conf));
    }

    /** Rewrites vigil's blocks of pg_hba.conf and pg_ident.conf from the config: who may connect, and as whom. */
    void writeAccess(boolean withPassword) {
        writeHba(withPassword);
        writeIdent();
    }

    /**
     * Puts vigil's block at the top of pg_hba.conf: local superuser access for vigil, replication from the data
     * nodes, then the operator's client rules (in their order, after vigil's so a client rule cannot shadow the
     * replication rules).
     */
    void writeHba(boolean withPassword) {
        String method = withPassword ? "scram-sha-256" : "trust";
        List<String> block = new ArrayList<>();
        // vigild's probe and psql: the superuser, over the Unix socket only, for the users in the ident map
        block.add(String.format("local   all          %-12s                     peer map=vigil", s.superuser()));
        for (String peer : s.peerAddresses()) {
            block.add(String.format("host    replication  %-12s %-20s %s", s.replicationUser(), hbaAddress(peer), method));
            block.add(String.format("host    postgres     %-12s %-20s %s", s.replicationUser(), hbaAddress(peer), method));
        }
        List<String> clients = clientRules;
        if (!clients.isEmpty()) {
            block.add("# clients, from node.postgres.client_access");
            block.addAll(clients);
        }
        writeBlock(s.configDir().resolve("pg_hba.conf"), block);
    }

    /**
     * Maps the OS user (psql runs as it) and the user vigild runs as (the probe connects from vigild itself)
     * to the superuser, for peer authentication over the Unix socket.
     */
    void writeIdent() {
        List<String> lines = new ArrayList<>();
        lines.add("vigil   " + account.user + "   " + s.superuser());
        String daemonUser = System.getProperty("user.name");
        if (!daemonUser.equals(account.user)) {
            lines.add("vigil   " + daemonUser + "   " + s.superuser());
        }
        writeBlock(s.configDir().resolve("pg_ident.conf"), lines);
    }

    private void writeBlock(Path file, List<String> block) {
        List<String> rest = new ArrayList<>();
        boolean inside = false;
        for (String l : Files.exists(file) ? readLines(file) : List.<String>of()) {
            if (l.equals(BEGIN)) {
                inside = true;
            } else if (l.equals(END)) {
                inside = false;
            } else if (!inside) {
                rest.add(l);
            }
        }
        StringBuilder b = new StringBuilder(BEGIN).append('\n');
        block.forEach(l -> b.append(l).append('\n'));
        b.append(END).append('\n');
        rest.forEach(l -> b.append(l).append('\n'));
        writeOwned(file, b.toString(), Files.exists(file) ? perms(file) : "rw-------");
    }

    static String hbaAddress(String address) {
        if (address.contains(":")) {
            return address + "/128";
        }
        return address.matches("[0-9.]+") ? address + "/32" : address;
    }

    /** A PostgreSQL configuration string literal. */
    static String quote(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    /** A libpq connection-string value. */
    static String conninfoValue(String v) {
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A .pgpass line matching any host, port and database for {@code user}. */
    static String pgpassLine(String user, String password) {
        return "*:*:*:" + pgpassField(user) + ":" + pgpassField(password) + "\n";
    }

    private static String pgpassField(String v) {
        return v.replace("\\", "\\\\").replace(":", "\\:");
    }

    void writeOwned(Path file, String content, String mode) {
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".vigil-tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            account.own(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Creates {@code dir} (and missing parents) and gives it mode 0700 and to the OS user. */
    void makeOwnedDir(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            account.own(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    void touch(Path file) {
        writeOwned(file, "", "rw-------");
    }

    static Optional<byte[]> readIfExists(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String perms(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return PosixFilePermissions.toString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mode of " + file, e);
        }
    }
}
