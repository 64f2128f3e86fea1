package vigil.daemon.pg;

/** Where every PostgreSQL command is reported once it has ended (the daemon logs one line per command). */
@FunctionalInterface
public interface CommandLog {
    void ran(CommandResult r);
}
