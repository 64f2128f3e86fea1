package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;
import vigil.protocol.admin.StatusView;

/** {@code vigilctl status}: the daemon's own view, as a table or as the daemon's JSON. */
@Command(name = "status",
        sortOptions = false,
        header = "Show this node's (or with --node, another node's; with --all, every node's) view of the cluster.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] status [--node NODE | --all] [--json]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Asks the local vigild for its view of the cluster. The first line gives the cluster name, this node and "
                    + "its role, the election term, the leader this node knows (or none), the quorum as reachable/configured "
                    + "voters, and the lease this node holds if it is the leader. A table follows with one row per "
                    + "configured node: NODE (this node marked *), KIND (data or witness), ROLE (leader, candidate, "
                    + "follower, witness, or unknown when unreachable), REACHABLE and LEADER.",
            "",
            "When vigil manages PostgreSQL, a second line gives the recorded primary, its timeline, the synchronous "
                    + "set, whether this node holds the VIPs (held, claiming, releasing, not held, or kept: found at start while "
                    + "this node reclaims its primary; only with cluster.vips) "
                    + "and the supervisor's last reason, and each data node's row adds PG (primary, standby, "
                    + "stopped, empty, failing, hung, unknown, and on this node's own row frozen: every process of it frozen while its "
                    + "lease is in doubt, see LEASE_IN_DOUBT in the journal; another node out of reach is unknown, with its last known TL and LSN), TL, LSN, LAG (bytes behind the primary's last known "
                    + "position), LAG_S (the same in seconds: since this node first saw the primary beyond it), SYNC (in the synchronous set), FAIL (local restarts within failure_timeout, this "
                    + "node only) and PROOF: what proves the node's PostgreSQL cannot write once the node is gone "
                    + "(watchdog-armed: armed when last heard; watchdog: this node has one, armed while it leads; fence: fence "
                    + "agents can turn it off, alone or after the watchdog's word as in watchdog+fence; none: a crash of this node "
                    + "as primary is not failed over without another proof; - not known). Below the table, each data node "
                    + "that could not be promoted now gets a line saying why (not_candidate in --json): on this node's own "
                    + "row the rule that withdrew its candidacy (a ban, migration_threshold, how many bytes behind, another "
                    + "timeline, a rewind owed...); of another node what this one knows (banned, not reachable, or it "
                    + "reports itself not a candidate: --all shows its own reason).",
            "",
            "Each service action of this node that has run (node.services) gets a line with its last outcome: "
                    + "ok or FAILED, the exit code, the attempts, when it ended, and why it failed.",
            "",
            "This is one daemon's view, not a consensus: during a partition two nodes may disagree, which is "
                    + "exactly what this command is for. Compare every node's: with --node the local vigild forwards the "
                    + "request to NODE's over the peer channel and prints NODE's view.",
            "",
            "With --all, vigilctl asks this node, then every other member through it, one after the other (each "
                    + "within the timeout). The table is this node's, but each node's FAIL is that node's own count; "
                    + "a block follows with, per node, what only that node knows of itself: its role, its PostgreSQL, "
                    + "the VIPs it holds, its failcount, its supervisor's last reason and its service actions' last "
                    + "outcomes, or why it did not answer. With --json: {\"views\": {NODE: its status object, ...}, "
                    + "\"unanswered\": {NODE: why, ...}}. A node that does not answer does not change the exit code.",
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
            "  vigilctl status",
            "  vigilctl status --json | jq -r .leader",
            "  vigilctl status --node n2",
            "  vigilctl status --all",
        })
final class StatusCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the daemon's status object as JSON (one document) instead of a table.")
    boolean json;

    @Option(names = "--node", paramLabel = "NODE", description = "Whose view: another member's, through this node "
            + "(default: this node's).")
    String node;

    @Option(names = "--all", description = "Every member's own view, asked through this node, merged (see above).")
    boolean all;

    @Override
    public Integer call() {
        if (all && node != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--all and --node exclude each other");
        }
        if (all) return showAll(parent.socket(), json, parent.timeout(), spec.commandLine().getOut(),
                spec.commandLine().getErr());
        return show(parent.socket(), json, parent.timeout(), spec.commandLine().getOut(), spec.commandLine().getErr(), node);
    }

    /** {@code --all}: this node's status, then every other member's through it. */
    static int showAll(Path socket, boolean json, java.time.Duration timeout, PrintWriter out, PrintWriter err) {
        AdminCall first = AdminCall.ask(socket, AdminRequest.of(AdminCommand.STATUS), timeout, err);
        if (!first.ok()) return first.exit();
        Decoded<StatusView> local = AdminCodec.decodeResult(first.result(), StatusView.class);
        if (!local.isValid()) {
            err.println("vigilctl: unusable status from vigild at " + socket + ": " + local.error().message());
            return Vigilctl.EXIT_DAEMON_ERROR;
        }
        java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> raw = new java.util.LinkedHashMap<>();
        java.util.Map<String, StatusView> own = new java.util.LinkedHashMap<>();
        java.util.Map<String, String> unanswered = new java.util.LinkedHashMap<>();
        raw.put(local.value().node(), first.result());
        own.put(local.value().node(), local.value());
        for (vigil.protocol.admin.NodeStatusView n : local.value().nodes()) {
            if (n.self()) continue;
            java.io.StringWriter why = new java.io.StringWriter();
            AdminCall call = AdminCall.ask(socket, AdminRequest.of(AdminCommand.STATUS, java.util.Map.of("node", n.name())),
                    timeout, new PrintWriter(why, true));
            Decoded<StatusView> v = call.ok() ? AdminCodec.decodeResult(call.result(), StatusView.class) : null;
            if (v != null && v.isValid()) {
                raw.put(n.name(), call.result());
                own.put(n.name(), v.value());
            } else {
                unanswered.put(n.name(), v != null ? "unusable status: " + v.error().message()
                        : why.toString().strip().replaceFirst("^vigilctl: ", ""));
            }
        }
        if (json) {
            var f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
            var o = f.objectNode();
            var views = o.putObject("views");
            raw.forEach(views::set);
            var missing = o.putObject("unanswered");
            unanswered.forEach(missing::put);
            out.println(AdminCodec.toPrettyJson(o));
            return Vigilctl.EXIT_OK;
        }
        out.print(StatusTable.renderAll(local.value(), own, unanswered));
        return Vigilctl.EXIT_OK;
    }

    /** Asks for the status and prints it; returns the exit code. Also the fast path of {@link Vigilctl#run}. */
    static int show(Path socket, boolean json, java.time.Duration timeout, PrintWriter out, PrintWriter err) {
        return show(socket, json, timeout, out, err, null);
    }

    /** As above, of {@code node} (null: this node) through this node. */
    static int show(Path socket, boolean json, java.time.Duration timeout, PrintWriter out, PrintWriter err, String node) {
        AdminCall call = AdminCall.ask(socket, node == null ? AdminRequest.of(AdminCommand.STATUS)
                : AdminRequest.of(AdminCommand.STATUS, java.util.Map.of("node", node)), timeout, err);
        if (!call.ok()) return call.exit();
        if (json) {
            out.println(AdminCodec.toPrettyJson(call.result()));
            return Vigilctl.EXIT_OK;
        }
        Decoded<StatusView> status = AdminCodec.decodeResult(call.result(), StatusView.class);
        if (!status.isValid()) {
            err.println("vigilctl: unusable status from vigild at " + socket + ": " + status.error().message());
            return Vigilctl.EXIT_DAEMON_ERROR;
        }
        out.print(StatusTable.render(status.value()));
        return Vigilctl.EXIT_OK;
    }
}
