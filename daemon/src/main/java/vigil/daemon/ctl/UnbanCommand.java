package vigil.daemon.ctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl unban NODE}: NODE may be promoted again. */
@Command(name = "unban",
        sortOptions = false,
        header = "Lift a ban: NODE may be promoted again.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] unban NODE",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Removes NODE from the banned nodes of the cluster record (vigilctl ban): from the next decision on it is a "
                    + "candidate again when it is a healthy standby within max_lag_on_failover. Run it on any node "
                    + "(it is carried out by the leader); the daemon logs event=unban reason=OPERATOR_UNBAN with the node and the operator.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:NODE is no longer banned",
            " 1:vigild refused (no leader known, no such data node, not banned) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl unban n3"})
final class UnbanCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE", description = "The banned data node.")
    String node;

    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.UNBAN, java.util.Map.of("node", node));
    }
}
