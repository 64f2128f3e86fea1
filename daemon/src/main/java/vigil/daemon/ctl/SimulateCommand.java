package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl simulate}: what the cluster would do if nodes failed or were cut off, as crm_simulate tells. */
@Command(name = "simulate",
        sortOptions = false,
        header = "Tell what the cluster would do if nodes failed or a partition cut them off; change nothing.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {"vigilctl [--socket PATH] simulate fail NODE...", "vigilctl [--socket PATH] simulate partition NODE..."},
        descriptionHeading = "%nDescription:%n",
        description = {
            "Asks the local vigild what would follow, computed by the core's own rules from what this node knows now: "
                    + "whether the remaining voters keep a majority, who would lead (the candidates stand in the order "
                    + "the nodes use: most advanced position, then priority, then name, the failed leader last; each "
                    + "voter refuses anyone behind itself or behind a peer it knows of), and, when the recorded primary "
                    + "is lost, whether the new leader would promote its PostgreSQL and on which proof (an armed "
                    + "watchdog announced, fence agents, an operator's confirm-down, failover_without_fencing), or "
                    + "wait in FENCING_REQUIRED. Nothing is changed.",
            "",
            "fail NODE...: those nodes stop (a host crash). partition NODE...: those nodes are cut off from the others; "
                    + "both sides are told. Positions are those this node last heard: with the primary writing, a close "
                    + "race between two standbys may go the other way a moment later.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the outcome was printed",
            " 1:vigild refused or answered something malformed",
            " 2:usage error (not fail or partition, or a node that is not a member)",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl simulate fail n1", "  vigilctl simulate partition n1      # n1 alone, n2 and n3 together"})
final class SimulateCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "fail|partition", description = "What happens to the NODEs.")
    String what;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "NODE", description = "The nodes that fail, or one side.")
    List<String> nodes;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!what.equals("fail") && !what.equals("partition")) {
            err.println("vigilctl: simulate fail NODE... or simulate partition NODE... (got " + what + ")");
            return Vigilctl.EXIT_USAGE;
        }
        AdminCall status = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), err);
        if (!status.ok()) return status.exit();
        Set<String> members = new LinkedHashSet<>();
        for (JsonNode n : status.result().path("nodes")) members.add(n.path("name").asText());
        for (String n : nodes) {
            if (!members.contains(n)) {
                err.println("vigilctl: " + n + " is not a member of this cluster (" + String.join(", ", members) + ")");
                return Vigilctl.EXIT_USAGE;
            }
        }
        Set<String> side = new LinkedHashSet<>(nodes);
        List<String> rest = members.stream().filter(m -> !side.contains(m)).toList();
        if (what.equals("fail")) {
            out.println("If " + String.join(", ", side) + " failed now:");
            return tell(side, out, err);
        }
        if (rest.isEmpty()) {
            err.println("vigilctl: a partition needs nodes on both sides");
            return Vigilctl.EXIT_USAGE;
        }
        out.println("If " + String.join(", ", side) + " were cut off from " + String.join(", ", rest) + " now:");
        out.println("on " + String.join(", ", side) + "'s side:");
        int exit = tell(new LinkedHashSet<>(rest), out, err);
        if (exit != Vigilctl.EXIT_OK) return exit;
        out.println("on " + String.join(", ", rest) + "'s side:");
        return tell(side, out, err);
    }

    /** Prints what losing {@code lost} would do. */
    private int tell(Set<String> lost, PrintWriter out, PrintWriter err) {
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.SIMULATE,
                Map.of("lost", new ArrayList<>(lost))), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        for (JsonNode line : call.result().path("lines")) out.println("  - " + line.asText());
        return Vigilctl.EXIT_OK;
    }
}
