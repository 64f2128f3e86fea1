package vigil.daemon.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl reload}: this node's vigild reads its configuration file again. */
@Command(name = "reload",
        sortOptions = false,
        header = "Read this node's configuration file again; say what was applied and what needs a restart.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] reload",
        descriptionHeading = "%nDescription:%n",
        description = {
            "The local vigild reads its configuration file again and checks it as vigild --check-config does. A file "
                    + "with errors changes nothing: the errors are printed (file:line:column, setting, what to do). "
                    + "Otherwise the sections a running daemon can take anew are applied at once: node.hooks (events "
                    + "still queued run with the old hooks, later ones with the new) and node.http (the endpoint is "
                    + "closed and opened again with the new settings) and node.postgres.client_access (vigil's block of "
                    + "pg_hba.conf is rewritten and PostgreSQL reloaded, not restarted: open sessions stay, new "
                    + "connections meet the new rules; if a PostgreSQL action such as a clone is running, the rules "
                    + "are written when it ends and the answer says they are pending). Every other changed section, "
                    + "the rest of node.postgres included, is listed as "
                    + "needing a restart and left as it runs: systemctl restart vigild (a planned stop; on the primary, "
                    + "switch over first). A changed cluster section needs every node restarted with the same file: "
                    + "nodes whose cluster sections differ refuse each other's messages.",
            "",
            "systemctl reload vigild runs this command. The daemon logs event=reload reason=OPERATOR_RELOAD with what "
                    + "it applied and what needs a restart.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the file was read: what changed was applied or is listed as needing a restart",
            " 1:the file has errors (nothing changed), a section could not be applied (it is named with the cause; "
                    + "the daemon runs on with what it had), or vigild answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 15 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl reload", "  systemctl reload vigild"})
final class ReloadCommand extends CtlCommand implements Callable<Integer> {
    static final java.time.Duration RELOAD_WAIT = java.time.Duration.ofSeconds(15);

    @Override
    public Integer call() {
        // old hooks finish first (up to 5 s), client rules wait for a running PostgreSQL action (up to 3 s)
        java.time.Duration wait = parent.timeout().compareTo(RELOAD_WAIT) > 0 ? parent.timeout() : RELOAD_WAIT;
        return AdminCall.printDetail(parent, spec, AdminCommand.RELOAD, Map.of(), wait,
                result -> result.path("failed").isEmpty() ? Vigilctl.EXIT_OK : Vigilctl.EXIT_DAEMON_ERROR);
    }
}
