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
        header = "Show this node's (or with --node, another node's) view of the cluster.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] status [--node NODE] [--json]",
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
                    + "as primary is not failed over without another proof; - not known).",
            "",
            "Each service action of this node that has run (node.services) gets a line with its last outcome: "
                    + "ok or FAILED, the exit code, the attempts, when it ended, and why it failed.",
            "",
            "This is one daemon's view, not a consensus: during a partition two nodes may disagree, which is "
                    + "exactly what this command is for. Compare every node's: with --node the local vigild forwards the "
                    + "request to NODE's over the peer channel and prints NODE's view.",
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
        })
final class StatusCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the daemon's status object as JSON (one document) instead of a table.")
    boolean json;

    @Option(names = "--node", paramLabel = "NODE", description = "Whose view: another member's, through this node "
            + "(default: this node's).")
    String node;

    @Override
    public Integer call() {
        return show(parent.socket(), json, parent.timeout(), spec.commandLine().getOut(), spec.commandLine().getErr(), node);
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
