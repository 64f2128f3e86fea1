package vigil.daemon.ctl;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCommand;

/** {@code vigilctl failover --to NODE [--accept-data-loss]}: a failover the operator orders. */
@Command(name = "failover",
        sortOptions = false,
        header = "Promote NODE when the automatic failover cannot act; never without the proof that the old primary cannot write.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] failover --to NODE [--accept-data-loss]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "For a lost primary that the cluster does not replace by itself: in maintenance mode (vigilctl pause), or "
                    + "when no standby is a candidate (every one more than max_lag_on_failover behind, outside the "
                    + "synchronous set, or banned). A primary that runs and leads is switched over (vigilctl "
                    + "switchover --to NODE), never failed over: that is refused.",
            "",
            "NODE takes the order (given on any node, it is carried there) if it runs a standby on the recorded "
                    + "primary's timeline. Without --accept-data-loss it also must be a candidate the automatic rules "
                    + "would take, and nothing known may be lost: when it is behind the primary's last reported "
                    + "position by more than max_lag_on_failover, outside the synchronous set, banned, or behind another "
                    + "standby, the refusal says which and by how many bytes. With --accept-data-loss those four "
                    + "checks are waived (the voters too stop comparing positions) and the answer says how much may be "
                    + "lost, by the positions last reported (commits after those reports are lost as well); a ban of "
                    + "NODE is lifted when it is promoted.",
            "",
            "NODE then holds the order for 60 s, in memory (a restart of its vigild forgets it): it stands for election at once, and a leader that is not NODE (and "
                    + "whose PostgreSQL cannot write) resigns in its favour. Leading, it promotes only with a proof that "
                    + "the old primary cannot write, exactly as an automatic failover (an armed watchdog whose lease "
                    + "ended, its fence agents, its PostgreSQL answering in recovery, vigilctl confirm-down, or "
                    + "failover_without_fencing): no option skips that. An order not carried out within 60 s lapses "
                    + "(reason FAILOVER_ORDER_LAPSED, naming what it waited for). In maintenance mode only this failover "
                    + "is carried out: the other standbys follow the new primary after vigilctl resume.",
            "",
            "It answers once NODE holds the order; vigilctl status shows the promotion (or why it waits). The daemons "
                    + "log event=failover_ordered (on NODE) and event=failover_handover (on the leader that resigned) "
                    + "with the operator (SUDO_USER or USER), and the promotion's reason PROMOTING names the proof and "
                    + "the order (promotion=ordered; counted in vigil_promotions_total{cause=\"ordered\"}).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:NODE holds the order (and the leader, if another, resigned in its favour)",
            " 1:refused (the primary runs and leads, NODE is no running standby or is behind without --accept-data-loss,"
                    + " the leader would not hand over) or answered something malformed",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl failover --to n2",
                  "  vigilctl failover --to n3 --accept-data-loss"})
final class FailoverCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, paramLabel = "NODE", description = "The standby to promote.")
    String to;

    @Option(names = "--accept-data-loss", description = "Promote NODE although it lags, is outside the synchronous set,"
            + " is banned or is behind another standby: what only they hold is lost. Never waives the one-writer proof.")
    boolean acceptDataLoss;

    @Override
    public Integer call() {
        return AdminCall.printDetail(parent, spec, AdminCommand.FAILOVER, Map.of("to", to, "accept_data_loss", acceptDataLoss));
    }
}
