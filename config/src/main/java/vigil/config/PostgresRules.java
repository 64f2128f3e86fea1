package vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Rules for managed PostgreSQL: the cluster and node sections come together (a node that is told to manage
 * PostgreSQL must know where its own lives), the replication password file is private and usable, and the
 * bindir really holds PostgreSQL's tools.
 */
final class PostgresRules {
    private static final String CLUSTER = "cluster.postgres";
    private static final String NODE = "node.postgres";
    private static final String PASSWORD_FILE = CLUSTER + ".replication_password_file";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final int MAX_PASSWORD_FILE_BYTES = 1024;

    private PostgresRules() {}

    static void check(Bound b, Problems problems, Host host) {
        listenAddress(b, problems, host);
        boolean cluster = b.isPresent(CLUSTER);
        boolean node = b.isPresent(NODE);
        if (cluster && !node && !b.isInvalid("node")) {
            Position at = b.isPresent("node") ? b.at("node") : b.at(CLUSTER);
            problems.error(NODE, at, "cluster.postgres is set but node.postgres is missing — add a node.postgres"
                    + " section with at least data_dir (e.g. data_dir: /var/lib/postgresql/15/main), or remove"
                    + " cluster.postgres if vigil should not manage PostgreSQL");
        } else if (node && !cluster && !b.isInvalid("cluster")) {
            problems.error(NODE, b.at(NODE), "node.postgres is set but cluster.postgres is missing — add"
                    + " \"postgres: {}\" under cluster (all its settings have defaults) on every node, or remove"
                    + " node.postgres");
        }
        Path password = b.get(PASSWORD_FILE, Path.class);
        if (password != null) {
            String error = passwordFileProblem(password);
            if (error != null) {
                problems.error(PASSWORD_FILE, b.at(PASSWORD_FILE), error);
            }
        }
        Path bindir = node ? b.get(NODE + ".bindir", Path.class) : null;
        if (bindir != null && !Files.isExecutable(bindir.resolve("pg_ctl"))) {
            problems.error(NODE + ".bindir", b.at(NODE + ".bindir"), "no executable pg_ctl in " + bindir
                    + " — point bindir at PostgreSQL 15's bin directory (Debian: /usr/lib/postgresql/15/bin;"
                    + " install postgresql-15 if it is missing)");
        }
    }

    /**
     * An explicit listen address must be one PostgreSQL can bind: a wildcard, or an IP literal this host has now.
     * PostgreSQL starts even when one of its listen addresses fails (it keeps 127.0.0.1), so a wrong address would
     * show only as standbys and clients that cannot connect. A host name is left to PostgreSQL to resolve.
     */
    private static void listenAddress(Bound b, Problems problems, Host host) {
        String path = NODE + ".listen_address";
        String a = b.get(path, String.class);
        if (a == null || a.equals("0.0.0.0") || a.equals("::") || !(ValueType.isIpv4(a) || a.contains(":"))) {
            return;
        }
        if (!host.hasAddress().test(a)) {
            problems.error(path, b.at(path), a + " is not an address of this host, so PostgreSQL could not listen on"
                    + " it — write one of this host's addresses (ip -brief addr), or 0.0.0.0 to listen on every address"
                    + " including the virtual IPs that move to this node");
        }
    }

    /** Why this password file is unusable, or null if it is a private file holding one non-empty line. */
    static String passwordFileProblem(Path p) {
        String make = "create it with: umask 077; echo 'PASSWORD' > " + p;
        if (!Files.exists(p)) {
            return "replication password file " + p + " does not exist — " + make;
        }
        if (!Files.isRegularFile(p)) {
            return "replication password file " + p + " is not a regular file — " + make;
        }
        if (!Files.isReadable(p)) {
            return "replication password file " + p + " is not readable by this user — make it owned by the user"
                    + " running vigild (chown)";
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!OWNER_ONLY.containsAll(perms)) {
                return "replication password file " + p + " is accessible by group or others (mode "
                        + PosixFilePermissions.toString(perms) + ") — run: chmod 600 " + p;
            }
            if (Files.size(p) > MAX_PASSWORD_FILE_BYTES) {
                return "replication password file " + p + " is larger than 1 KiB, which no password is — check the path";
            }
            String text = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                return "replication password file " + p + " is empty — write the password on one line";
            }
            if (text.contains("\n")) {
                return "replication password file " + p + " has more than one line — write only the password, on one line";
            }
            return null;
        } catch (UnsupportedOperationException | IOException e) {
            return "cannot read replication password file " + p + " (" + e.getMessage()
                    + ") — keep it on a POSIX file system with mode 600";
        }
    }
}
