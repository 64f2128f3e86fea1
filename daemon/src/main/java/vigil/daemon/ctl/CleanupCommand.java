package vigil.daemon.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl cleanup}: reset this node's failcount, as Pacemaker's resource cleanup does. */
@Command(name = "cleanup",
        sortOptions = false,
        header = "Reset a node's failcount (local restarts counted against migration_threshold).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] cleanup [NODE]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "A crashed primary is restarted in place at most migration_threshold times within failure_timeout "
                    + "(cluster.postgres in the vigil configuration); past that the node gives up the primary role "
                    + "(MIGRATION_THRESHOLD_REACHED) and stays out of the running until the restarts age out. The FAIL "
                    + "column of vigilctl status shows the count. Once the cause is dealt with, cleanup forgets the "
                    + "counted restarts and the back-off of failed actions: PostgreSQL may be restarted in place again "
                    + "and the node's candidacy comes back at once. It changes nothing else: no proof, no record, no "
                    + "lease.",
            "",
            "Each node counts its own restarts: without NODE, cleanup resets this node's count; with NODE, the "
                    + "request goes to NODE's vigild over the peer channel and its answer is printed (NODE must be a "
                    + "member of the cluster and reachable). The daemon logs event=cleanup with "
                    + "reason=OPERATOR_CLEANUP, the counts it forgot and the operator (SUDO_USER or USER).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the failcount was reset",
            " 1:vigild refused (NODE unknown or not answering, no PostgreSQL managed there) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl cleanup", "  vigilctl cleanup n2      # from any node"})
final class CleanupCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NODE", description = "The node whose failcount to reset (default: this one).")
    String node;

    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.CLEANUP, node == null ? Map.of() : Map.of("node", node));
    }
}
