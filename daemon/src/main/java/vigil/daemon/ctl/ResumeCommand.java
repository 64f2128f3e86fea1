package vigil.daemon.ctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl resume}: the end of maintenance mode. */
@Command(name = "resume",
        sortOptions = false,
        header = "End maintenance mode: the cluster acts by itself again.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] resume",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Clears maintenance mode (vigilctl pause) from the cluster record. From the next decision on, every node "
                    + "acts on what it sees: a crashed primary is restarted in place, a lost one is failed over (with "
                    + "its proof), standbys rejoin. Check vigilctl status first: whatever was changed by hand during "
                    + "maintenance is what the cluster now starts from. Run it on any node (it is "
                    + "carried out by the leader); the daemon logs "
                    + "event=resume reason=OPERATOR_RESUME with the operator.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:maintenance mode is off",
            " 1:vigild refused (no leader known, not paused) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl resume"})
final class ResumeCommand extends CtlCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.RESUME, java.util.Map.of());
    }
}
