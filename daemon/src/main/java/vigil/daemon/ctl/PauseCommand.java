package vigil.daemon.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl pause}: maintenance mode, as Pacemaker's maintenance-mode. */
@Command(name = "pause",
        sortOptions = false,
        header = "Maintenance mode: no automatic failover, restart or rejoin until vigilctl resume.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] pause",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Writes maintenance mode into the cluster record, so every node and every later leader honours it until "
                    + "vigilctl resume: monitoring goes on, the VIPs stay where they are, and no node fails over, "
                    + "restarts a crashed PostgreSQL, starts, rewinds or copies one, or changes the record. The "
                    + "self-fence stays armed (a node that loses its lease still kills its PostgreSQL, and the watchdog "
                    + "still resets a hung host), so maintenance never allows two writers. vigilctl status shows it on "
                    + "its first line, vigilctl check warns, and systemd's status line begins with MAINTENANCE MODE.",
            "",
            "Use it to work on PostgreSQL by hand (a minor update, a restart you want to do yourself) without the "
                    + "cluster reacting. A switchover is refused while paused; a switchover under way refuses a pause. "
                    + "Run it on any node: a node that does not lead forwards it to the leader it follows and prints the "
                    + "leader's answer; with no leader known it is refused. The daemon logs event=pause reason=OPERATOR_PAUSE with the operator (SUDO_USER or "
                    + "USER).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:maintenance mode is on",
            " 1:vigild refused (no leader known, already paused, a switchover under way) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl pause", "  vigilctl resume"})
final class PauseCommand extends CtlCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.PAUSE, Map.of());
    }
}
