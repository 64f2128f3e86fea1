package vigil.daemon.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl ban NODE}: never promote NODE. */
@Command(name = "ban",
        sortOptions = false,
        header = "Never promote NODE (nor hand it the primary role) until vigilctl unban.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] ban NODE",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Writes the ban into the cluster record, so every node and every later leader honours it: NODE stops being "
                    + "a candidate (it neither stands for election nor is promoted in a failover), and a switchover "
                    + "never goes to it. It keeps running as a standby. Like any node that is no candidate, its "
                    + "position binds votes only in synchronous mode: in asynchronous mode a failover may elect a "
                    + "standby behind it and lose what only NODE had received. Use it for a node under maintenance, "
                    + "on flaky hardware, or kept as a reporting replica.",
            "",
            "The recorded primary cannot be banned: switch over first (vigilctl switchover), then ban it. Run it on any "
                    + "node: a node that does not lead forwards it to the leader it follows and prints the leader's "
                    + "answer; with no leader known it is refused. vigilctl status lists the banned nodes. The daemon logs event=ban reason=OPERATOR_BAN with the "
                    + "node and the operator (SUDO_USER or USER).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:NODE is banned",
            " 1:vigild refused (no leader known, no such data node, banned already, the primary) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl ban n3", "  vigilctl unban n3"})
final class BanCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE", description = "The data node never to promote.")
    String node;

    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.BAN, Map.of("node", node));
    }
}
