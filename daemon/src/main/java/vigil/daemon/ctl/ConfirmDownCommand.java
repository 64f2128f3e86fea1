package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl confirm-down NODE --yes}: the operator swears a node is off (Pacemaker's stonith_admin --confirm). */
@Command(name = "confirm-down",
        sortOptions = false,
        header = "Swear that a node is off, so that a failover waiting for a proof may go on.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] confirm-down NODE --yes",
        descriptionHeading = "%nDescription:%n",
        description = {
            "When the primary's node is gone and nothing proves that its PostgreSQL cannot write (no armed "
                    + "watchdog, no fence agent, or every fence level failed), the leader waits in FENCING_REQUIRED "
                    + "rather than risk two writers. If you have made sure yourself that NODE is off (powered off, "
                    + "unplugged, its VM destroyed), this tells the leader so: it is written into the cluster "
                    + "record with your user name and the time (a later leader has it too), counts as that proof for one "
                    + "promotion, and is void as soon as NODE is heard from again. It is logged at warning "
                    + "(event confirm_down).",
            "",
            "Run it on any node: a node that does not lead forwards it to the leader it follows (the one waiting "
                    + "for the proof) and prints its answer; with no leader known it is refused. If NODE is in "
                    + "fact still running and writable, two primaries may accept writes: that is why --yes is required.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:accepted",
            " 1:refused (no leader known, the leader did not answer within 3 s, or NODE is not another member)",
            " 2:usage error (--yes missing)",
            "69:vigild unreachable",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl confirm-down n1 --yes"})
final class ConfirmDownCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE", description = "The member that is off, as named in cluster.nodes.")
    String node;

    @Option(names = "--yes", description = "Required: you have made sure NODE is off.")
    boolean yes;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!yes) {
            err.println("vigilctl: confirm-down needs --yes: make sure " + node + " is off first (a running node"
                    + " confirmed down may give the cluster two primaries)");
            return Vigilctl.EXIT_USAGE;
        }
        return AdminCall.printDetail(parent, spec, AdminCommand.CONFIRM_DOWN, Map.of("node", node));
    }
}
