package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;
import vigil.protocol.admin.StatusView;

/** {@code vigilctl check}: the status as a monitoring plugin's one line and exit code ({@link Check}). */
@Command(name = "check",
        sortOptions = false,
        header = "Check the cluster as a monitoring plugin does (Nagios, Icinga, Sensu): one line, exit 0-3.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] check [--lag-warning SIZE] [--lag-critical SIZE]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Asks the local vigild for its status and prints one line: VIGIL OK, WARNING, CRITICAL or UNKNOWN, every "
                    + "problem found (the worst first) or, when there is none, who leads and which nodes are primary and "
                    + "standby, then performance data after '|' (term, reachable voters, the largest standby lag). The "
                    + "exit code is the state, as the Nagios plugin guidelines define it; the line goes to standard output.",
            "",
            "CRITICAL: no quorum from this node; no leader; no primary recorded; the recorded primary out of reach or "
                    + "not running; this node's supervisor waiting for a proof or a fence (FENCING_REQUIRED, "
                    + "FENCE_NOT_VERIFIED), fencing itself (SELF_FENCE), refusing data (SYSTEM_ID_MISMATCH, "
                    + "RECORDED_PRIMARY_DATA_MISSING), finding the old primary still serving, or past "
                    + "migration_threshold; a standby lagging at least --lag-critical.",
            "",
            "WARNING: a node out of reach; a standby not running; a standby lagging at least --lag-warning; this "
                    + "node's lease in doubt (LEASE_IN_DOUBT) or its PostgreSQL failing, restarting, stalled or unfit; a "
                    + "service action whose last run failed.",
            "",
            "UNKNOWN: vigild unreachable, refusing, or answering something unusable; or a bad option.",
            "",
            "The check reads one daemon's view (a standby's lag as last reported to it): run it on the leader, or on "
                    + "every node to compare their views.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:OK",
            "1:WARNING",
            "2:CRITICAL",
            "3:UNKNOWN (vigild unreachable or refusing, an unusable reply, or a usage error)",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  vigilctl check",
            "      VIGIL OK - n1 leads term 3 (3/3 voters); primary n1, standbys n2 n3 | term=3 voters_reachable=3;;;0;3 ...",
            "  vigilctl check --lag-warning 64MB --lag-critical 1GB",
            "",
            "A Nagios/Icinga command definition:",
            "  define command { command_name check_vigil",
            "                   command_line sudo /usr/bin/vigilctl check --lag-warning $ARG1$ --lag-critical $ARG2$ }",
        })
final class CheckCommand extends CtlCommand implements Callable<Integer> {
    static final String DEFAULT_WARNING = "16MB";
    static final String DEFAULT_CRITICAL = "256MB";

    @Option(names = "--lag-warning", paramLabel = "SIZE", defaultValue = DEFAULT_WARNING,
            description = "A standby this far behind the primary is a WARNING: bytes, or with kB, MB, GB, TB "
                    + "(1024-based, as PostgreSQL's settings). Default: ${DEFAULT-VALUE}.")
    String lagWarning;

    @Option(names = "--lag-critical", paramLabel = "SIZE", defaultValue = DEFAULT_CRITICAL,
            description = "A standby this far behind is CRITICAL. Default: ${DEFAULT-VALUE}.")
    String lagCritical;

    @Override
    public Integer call() {
        PrintWriter out = out();
        long warn = Check.parseSize(lagWarning);
        long crit = Check.parseSize(lagCritical);
        Check c;
        if (warn < 0 || crit < 0) {
            c = Check.unknown("bad option: --lag-" + (warn < 0 ? "warning " + lagWarning : "critical " + lagCritical)
                    + " is not a size (e.g. 16MB, 1GB, 1048576)");
        } else if (crit < warn) {
            c = Check.unknown("bad option: --lag-critical (" + lagCritical + ") is below --lag-warning (" + lagWarning + ")");
        } else {
            c = check(warn, crit);
        }
        out.println(c.line());
        return c.code();
    }

    private Check check(long warn, long crit) {
        StringWriter why = new StringWriter();
        AdminCall call = AdminCall.ask(socket(), AdminRequest.of(AdminCommand.STATUS), timeout(),
                new PrintWriter(why, true));
        if (!call.ok()) return Check.unknown(why.toString().replaceFirst("^vigilctl: ", ""));
        Decoded<StatusView> status = AdminCodec.decodeResult(call.result(), StatusView.class);
        if (!status.isValid()) return Check.unknown("unusable status from vigild: " + status.error().message());
        return Check.of(status.value(), warn, crit);
    }
}
