package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl fence NODE}: run a node's fence agents now, through the local vigild. */
@Command(name = "fence",
        sortOptions = false,
        header = "Run a node's fence agents (off, reboot or status).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] fence NODE [--action off|reboot|status] [--json]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Asks the local vigild to run the fence agents configured for NODE (cluster.nodes[].fence, see "
                    + "docs/fencing.md), level by level, as a failover would: every device of a level must succeed, "
                    + "else the next level is tried. For off, each device's status must then report OFF: only that "
                    + "counts as proof that NODE's PostgreSQL cannot write, and if this node leads and waits for "
                    + "such a proof about NODE, it uses it at once. A reboot never counts as proof (the node comes "
                    + "back). status only asks.",
            "",
            "Passwords go to the agents on their standard input, never on a command line or in a log. The call "
                    + "waits for the agents (up to 2 minutes).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:off proven (off), the agents succeeded (reboot), or status answered",
            " 1:the agents failed, or vigild refused (no fence agents configured for NODE)",
            " 2:usage error",
            "69:vigild unreachable",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  vigilctl fence n1 --action status",
            "  vigilctl fence n1            # off, confirmed by status",
        })
final class FenceCommand extends CtlCommand implements Callable<Integer> {
    static final Duration WAIT = Duration.ofSeconds(150);

    @Parameters(index = "0", paramLabel = "NODE", description = "The member to fence, as named in cluster.nodes.")
    String node;

    @Option(names = "--action", paramLabel = "ACTION", defaultValue = "off",
            description = "off (default), reboot or status.")
    String action;

    @Option(names = "--json", description = "Print the daemon's result object as JSON.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!action.equals("off") && !action.equals("reboot") && !action.equals("status")) {
            err.println("vigilctl: --action must be off, reboot or status (got " + action + ")");
            return Vigilctl.EXIT_USAGE;
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("node", node);
        args.put("action", action);
        args.put("operator", Operator.name());
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.FENCE, args), WAIT, err);
        if (!call.ok()) return call.exit();
        JsonNode r = call.result();
        if (json) {
            out.println(AdminCodec.toPrettyJson(r));
        } else {
            out.println(r.path("target").asText() + " " + r.path("action").asText() + ": " + r.path("reason").asText());
        }
        boolean ok = action.equals("off") ? r.path("proven_off").asBoolean()
                : !r.path("reason").asText().startsWith("UNKNOWN") && !r.path("reason").asText().contains("failed");
        return ok ? Vigilctl.EXIT_OK : Vigilctl.EXIT_DAEMON_ERROR;
    }
}
