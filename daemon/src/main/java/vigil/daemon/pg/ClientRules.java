package vigil.daemon.pg;

import java.time.Duration;
import java.util.List;

/**
 * The operator's pg_hba lines taken at run time ({@link Postgres#applyClientRules}, {@code vigilctl reload} of
 * {@code node.postgres.client_access}): vigil's block of pg_hba.conf is rewritten with them and a running PostgreSQL
 * reloads it, no restart (pg_hba.conf is read anew on SIGHUP; sessions already open stay). Every later write of the
 * block uses them.
 *
 * <p>Invariant: PostgreSQL never runs with, nor later starts from, rules it refuses. It reads the written file back
 * first ({@code pg_hba_file_rules}): a file it refuses would be ignored by the reload and stop the next start. When
 * the file cannot be written, PostgreSQL refuses it, cannot be asked, or is not reloaded, the rules before are
 * written back and stay in force, in the file and for later writes.
 */
final class ClientRules {
    /** The check and the reload are short: they run on the action thread. */
    private static final Duration RULES_WAIT = Duration.ofSeconds(2);

    private final PgCommands cmd;
    private final Postgres pg;

    ClientRules(PgCommands cmd, Postgres pg) {
        this.cmd = cmd;
        this.pg = pg;
    }

    CommandResult apply(List<String> rules) {
        PostgresFiles files = cmd.files;
        List<String> before = files.clientRules();
        boolean withPassword = cmd.password().isPresent();
        files.clientRules(rules);
        try {
            files.writeHba(withPassword);
        } catch (RuntimeException e) {
            files.clientRules(before);
            return CommandResult.failed(List.of(), "pg_hba.conf in " + cmd.s.configDir() + " not written, the rules"
                    + " before stay: " + e.getMessage());
        }
        if (!pg.running()) return CommandResult.nothingToDo("pg_hba.conf written; PostgreSQL is not running (it reads it at start)");
        // PostgreSQL keeps its old rules when the file does not parse, and then would not start with it: read back
        // what it makes of the file before it is told to load it.
        CommandResult check = cmd.sql(RULES_WAIT, "SELECT line_number || ': ' || error FROM pg_hba_file_rules"
                + " WHERE error IS NOT NULL");
        String problem;
        if (!check.ok()) {
            problem = "PostgreSQL could not check them (" + check.outputTail().strip() + ")";
        } else if (!check.outputTail().isBlank()) {
            problem = "PostgreSQL refuses pg_hba.conf with them (line: error): " + check.outputTail().strip().replace('\n', ';');
        } else {
            CommandResult reload = cmd.sql(RULES_WAIT, "SELECT pg_reload_conf()");
            if (reload.ok()) return reload;
            problem = "PostgreSQL was not reloaded (" + reload.outputTail().strip() + ")";
        }
        files.clientRules(before);
        try {
            files.writeHba(withPassword);
        } catch (RuntimeException e) {
            return CommandResult.failed(List.of(), problem + "; and pg_hba.conf could not be put back: " + e.getMessage());
        }
        return CommandResult.failed(check.argv(), problem + "; the rules before stay, in pg_hba.conf too");
    }
}
