package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl switchover}: hand the primary role to a standby, without losing a commit. */
@Command(name = "switchover",
        sortOptions = false,
        header = "Hand the primary role to a standby, without losing a commit.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {"vigilctl [--socket PATH] switchover [--to NODE] [--wait [--wait-for SECONDS]]",
                "vigilctl [--socket PATH] switchover [--to NODE] --at TIME", "vigilctl [--socket PATH] switchover --cancel"},
        descriptionHeading = "%nDescription:%n",
        description = {
            "A planned switchover, carried out by the leader, which runs the primary: a CHECKPOINT while writes go "
                    + "on; a clean (fast) shutdown, during which the standbys receive everything up to the shutdown "
                    + "checkpoint (the VIPs stay, so clients are refused at once); then, once NODE reports that it has "
                    + "received all of it, the VIPs are released and leadership is handed to NODE, which is promoted "
                    + "after the usual checks (the old primary's own report that "
                    + "PostgreSQL is stopped is its proof). The VIPs follow the new primary. The old primary starts "
                    + "again as a standby of it, without pg_rewind: its WAL ends where the new timeline begins.",
            "",
            "Run it on any node: a node that does not lead forwards it to the leader it follows and prints the "
                    + "leader's answer. It is refused, with the reason, when unsafe: no leader is known, the leader's "
                    + "lease is in doubt, PostgreSQL on the leader is not the running "
                    + "primary, an action or another switchover is under way, or NODE has not acknowledged the leader "
                    + "lately, is on another timeline, is more than max_lag_on_failover behind, is not in the "
                    + "synchronous set in synchronous mode, or does not report itself a candidate. Without --to the "
                    + "most advanced standby is chosen (then priority, then name).",
            "",
            "If it fails half-way there is still exactly one primary. Before leadership is handed over, a shutdown "
                    + "that fails or takes more than 3 s, a NODE that stops acknowledging, a NODE that has not reported "
                    + "everything 2 s after the stop, or a lost lease ends the switchover (reason SWITCHOVER_ABORTED, "
                    + "with the cause), and this node starts PostgreSQL again as the primary (killed first if it was "
                    + "still shutting down). A NODE that does not take over once it was handed leadership is replaced "
                    + "by the ordinary election a second later: another standby with everything, or this node again. "
                    + "Writes stop from the shutdown until the new primary is promoted and holds the VIPs: about 0.4 s "
                    + "on the test rig (docs/benchmarks.md).",
            "",
            "With --at TIME (ISO-8601, e.g. 2026-12-03T02:00:00Z or 2026-12-03T03:00+01:00; at most 7 days ahead) the "
                    + "leader holds the switchover and asks for it at that time exactly as this command would, with every "
                    + "check made then (if leadership moved meanwhile, the request goes to the new leader; a refusal is "
                    + "logged as SCHEDULED_SWITCHOVER_REFUSED). One is held at a time, in the memory of the node that "
                    + "took it (its journal and vigilctl history say switchover_scheduled), a restart of its vigild "
                    + "loses it, and vigilctl switchover --cancel drops it (given on the node that holds it, or on the "
                    + "leader).",
            "",
            "Without --wait, vigilctl returns once the switchover has begun. With --wait it follows this node's "
                    + "status until NODE leads as the primary on a new timeline, and fails, printing the cause, if "
                    + "the leader that began it logs SWITCHOVER_ABORTED (read from its history, through this node), or if it "
                    + "does not end within --wait-for seconds.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the switchover began (with --wait: NODE leads as the new primary)",
            " 1:vigild refused (the reason is printed), the switchover was aborted, or --wait-for ran out",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl switchover --to n2 --wait", "  vigilctl switchover           # to the best standby"})
final class SwitchoverCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--to", paramLabel = "NODE", description = "The standby to hand over to (default: the best one).")
    String to;

    @Option(names = "--wait", description = "Wait until NODE leads as the new primary.")
    boolean await;

    @Option(names = "--at", paramLabel = "TIME", description = "Hold it for then (ISO-8601 with a zone or offset).")
    String at;

    @Option(names = "--cancel", description = "Drop the switchover held for later.")
    boolean cancel;

    @Option(names = "--wait-for", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
    int waitFor;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (waitFor < 1) {
            err.println("vigilctl: --wait-for must be at least 1 second");
            return Vigilctl.EXIT_USAGE;
        }
        if (cancel || at != null) return later(out, err);
        long timelineBefore = -1;
        if (await) {
            AdminCall before = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), err);
            if (!before.ok()) return before.exit();
            timelineBefore = before.result().path("postgres").path("timeline").asLong(-1);
        }
        Map<String, Object> args = new HashMap<>();
        args.put("operator", Operator.name());
        if (to != null) args.put("to", to);
        long start = System.nanoTime();
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.SWITCHOVER, args), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        out.println(call.result().path("detail").asText());
        out.flush();
        if (!await) return Vigilctl.EXIT_OK;
        // The leader that began it logs an abort: its history, read through this node (a forwarded request).
        String leader = call.result().path("from").asText();
        return follow(parent, call.result().path("target").asText(), leader, timelineBefore, start, waitFor, out, err);
    }

    /** {@code --at} or {@code --cancel}: the leader holds the switchover, or drops it. */
    private int later(PrintWriter out, PrintWriter err) {
        if (cancel && (at != null || to != null || await)) {
            err.println("vigilctl: --cancel takes no other option");
            return Vigilctl.EXIT_USAGE;
        }
        if (await) {
            err.println("vigilctl: --wait does not go with --at (vigilctl status shows the switchover held)");
            return Vigilctl.EXIT_USAGE;
        }
        Map<String, Object> args = new HashMap<>();
        args.put("operator", Operator.name());
        if (cancel) {
            args.put("cancel", true);
        } else {
            try {
                args.put("at", java.time.OffsetDateTime.parse(at).toInstant().toString());
            } catch (java.time.format.DateTimeParseException e) {
                err.println("vigilctl: --at " + at + " is not an ISO-8601 time with a zone (2026-12-03T02:00:00Z)");
                return Vigilctl.EXIT_USAGE;
            }
            if (to != null) args.put("to", to);
        }
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.SWITCHOVER, args), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        out.println(call.result().path("detail").asText());
        return Vigilctl.EXIT_OK;
    }

    /**
     * The cause of a SWITCHOVER_ABORTED that {@code leader} logged after its acceptance of this switchover (its
     * {@code switchover} event with reason OPERATOR_SWITCHOVER, the newest one), or null.
     */
    private static String aborted(Vigilctl parent, String leader, PrintWriter err) {
        AdminCall h = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.HISTORY, Map.of("limit", 100,
                "node", leader)), parent.timeout(), err);
        if (!h.ok()) return null;
        String cause = null;
        for (JsonNode e : h.result().path("entries")) {
            String reason = e.path("fields").path("reason").asText();
            if ("OPERATOR_SWITCHOVER".equals(reason)) cause = null;
            else if ("SWITCHOVER_ABORTED".equals(reason)) cause = e.path("fields").path("cause").asText("");
        }
        return cause;
    }

    /**
     * Polls this node's status until {@code target} leads as the primary on a timeline after {@code timelineBefore},
     * or {@code leader} logs the switchover's abort, or {@code waitFor} seconds from {@code start} (System.nanoTime)
     * pass. Returns the exit code.
     */
    static int follow(Vigilctl parent, String target, String leader, long timelineBefore, long start, int waitFor,
                      PrintWriter out, PrintWriter err) {
        long deadline = start + Duration.ofSeconds(waitFor).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), err);
            if (call.ok()) {
                JsonNode s = call.result();
                JsonNode pg = s.path("postgres");
                long timeline = pg.path("timeline").asLong(-1);
                if (target.equals(s.path("leader").asText(null)) && target.equals(pg.path("primary").asText(null))
                        && timeline > timelineBefore) {
                    out.printf(Locale.ROOT, "%s leads as the primary on timeline %d (term %d), %.2f s after the request%n",
                            target, timeline, s.path("term").asLong(), (System.nanoTime() - start) / 1e9);
                    return Vigilctl.EXIT_OK;
                }
                String reason = pg.path("reason").asText("");
                String cause = aborted(parent, leader, err);
                if (cause != null) {
                    err.println("vigilctl: the switchover to " + target + " was aborted: " + cause);
                    return Vigilctl.EXIT_DAEMON_ERROR;
                }
                last = "leader " + s.path("leader").asText("none") + ", primary " + pg.path("primary").asText("none")
                        + ", timeline " + timeline + (reason.isEmpty() ? "" : ", " + reason);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Vigilctl.EXIT_DAEMON_ERROR;
            }
        }
        err.println("vigilctl: the switchover to " + target + " did not end within " + waitFor + " s (now: " + last + ")");
        return Vigilctl.EXIT_DAEMON_ERROR;
    }
}
