package vigil.testkit;

import java.nio.file.Path;

/**
 * Managed PostgreSQL 15 on every rig node: the same port on every node address (vigild assumes its
 * peers listen on its own port), asynchronous unless {@code synchronous}.
 */
public record PgOptions(boolean synchronous) {
    public static final Path BINDIR = Path.of("/usr/lib/postgresql/15/bin");
    public static final int PORT = 5432;
    public static final String OS_USER = "postgres";
    public static final PgOptions ASYNC = new PgOptions(false);
}
