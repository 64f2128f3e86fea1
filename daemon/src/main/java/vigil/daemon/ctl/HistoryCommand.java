package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl history}: the daemon's last decisions and side effects, as it logged them at notice or above. */
@Command(name = "history",
        sortOptions = false,
        header = "Show this daemon's (or with --node, another node's) last decisions and side effects, with their reasons.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] history [-n COUNT] [--node NODE] [--json]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Asks the local vigild for the last events it logged at notice, warning or err, oldest first, whatever "
                    + "its log level: role changes and leases (role, lease_acquired), each change of the supervisor's "
                    + "reason with its cause and the actions it took (pg), VIPs claimed and released, fences, service "
                    + "actions and hooks, each with what caused it. One line per event: the time (this host's time "
                    + "zone), the priority, the event and its fields as the journal shows them.",
            "",
            "The daemon keeps its last 500 such events in memory (they are rare: nothing is logged at notice every "
                    + "probe or heartbeat); older ones, and every event of a daemon that has restarted since, are in the "
                    + "journal: journalctl -u vigild. Like status, this is one daemon's account: ask for every node's "
                    + "(--node) to follow a failover from each side. With --node the local vigild forwards the request "
                    + "to NODE's over the peer channel and prints its answer.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success",
            " 1:vigild answered with an error, or its reply was malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  vigilctl history",
            "  vigilctl history --node n1 -n 50",
            "  vigilctl history -n 100 --json | jq -r '.entries[] | select(.event == \"role\") | .at'",
        })
final class HistoryCommand extends CtlCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @Option(names = {"-n", "--count"}, paramLabel = "COUNT", defaultValue = "20",
            description = "How many of the newest events to show, 1 to 500. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--node", paramLabel = "NODE", description = "Whose history: another member's, through this node "
            + "(default: this node's).")
    String node;

    @Option(names = "--json", description = "Print the daemon's answer as JSON (one document) instead of lines.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        if (count < 1 || count > 500) {
            err.println("vigilctl: history -n takes 1 to 500 (got " + count + ")");
            return Vigilctl.EXIT_USAGE;
        }
        AdminCall call = AdminCall.ask(socket(), AdminRequest.of(AdminCommand.HISTORY, node == null
                ? Map.of("limit", count) : Map.of("limit", count, "node", node)), timeout(), err);
        if (!call.ok()) return call.exit();
        if (json) {
            out.println(AdminCodec.toPrettyJson(call.result()));
            return Vigilctl.EXIT_OK;
        }
        JsonNode entries = call.result().path("entries");
        if (!entries.isArray()) {
            err.println("vigilctl: unusable history from vigild at " + socket() + ": no entries");
            return Vigilctl.EXIT_DAEMON_ERROR;
        }
        if (entries.isEmpty()) out.println("(no event at notice or above since vigild started)");
        for (JsonNode e : entries) out.println(line(e, ZoneId.systemDefault()));
        return Vigilctl.EXIT_OK;
    }

    /**
     * No double quote and none of the white space {@code \s} names (space, tab, line feed, vertical tab, form feed,
     * carriage return): printed as it is. A loop, not a regular expression compiled for every field of every line.
     */
    private static boolean plain(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r') return false;
        }
        return true;
    }

    /** One event: local time, priority, event, then its fields as {@code key=value} (quoted when needed). */
    static String line(JsonNode e, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        String at = e.path("at").asText();
        try {
            b.append(TIME.format(Instant.parse(at).atZone(zone)));
        } catch (java.time.DateTimeException ex) {
            b.append(at);
        }
        b.append(' ').append(String.format("%-7s", e.path("priority").asText())).append(' ').append(e.path("event").asText());
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("fields").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String v = f.getValue().asText();
            b.append(' ').append(f.getKey()).append('=')
                    .append(v.isEmpty() ? "-" : plain(v) ? v : '"' + v.replace("\"", "\\\"") + '"');
        }
        return b.toString();
    }
}
