package vigil.testkit;

import java.nio.file.Path;

/**
 * Managed PostgreSQL 15 on every rig node: the same port on every node address (vigild assumes its
 * peers listen on its own port), asynchronous unless {@code synchronous}; {@code failover_without_fencing: true}
 * (the rig's historical default) unless {@code failoverWithoutFencing} is false, so that a failover needs a proof.
 */
public record PgOptions(boolean synchronous, boolean failoverWithoutFencing) {
    public static final Path BINDIR = Path.of("/usr/lib/postgresql/15/bin");
    public static final int PORT = 5432;
    public static final String OS_USER = "postgres";
    public static final PgOptions ASYNC = new PgOptions(false);
    /** Asynchronous, and a failover needs a proof that the old primary cannot write (the shipped default). */
    public static final PgOptions PROOF_REQUIRED = new PgOptions(false, false);

    public PgOptions(boolean synchronous) {
        this(synchronous, true);
    }
}
