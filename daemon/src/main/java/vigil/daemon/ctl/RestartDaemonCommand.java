package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl restart-daemon}: restart this node's vigild without a failover. */
@Command(name = "restart-daemon",
        sortOptions = false,
        header = "Restart this node's vigild (an upgrade, a configuration change) while PostgreSQL keeps serving: no failover.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] restart-daemon [--switchover] [--wait [--wait-for SECONDS]]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "systemctl restart vigild is a stop (PostgreSQL shut down cleanly, a switchover if it was the primary) and "
                    + "a start. restart-daemon instead ends vigild with PostgreSQL left running and the VIPs where "
                    + "they are; systemd starts it again (the unit's RestartForceExitStatus=75), and the new process "
                    + "finds PostgreSQL running: a standby goes on as one, and a primary keeps serving while its vigild "
                    + "takes leadership back within its reclaim window (another node may lead meanwhile: it finds the "
                    + "primary answering and never promotes over it, then hands leadership back).",
            "",
            "An armed watchdog is the exception a restart must not leave behind: peers may promote on its announcement "
                    + "alone, trusting that this vigild fences PostgreSQL when its lease ends, or that the host is "
                    + "reset. So the leader first withdraws the announcement, in its reports and in the cluster record, and "
                    + "ends only once a majority acknowledged that record, which every later leader then holds (at most "
                    + "2 s; otherwise it gives the restart up and logs restart_daemon_given_up, and vigild goes on), then "
                    + "closes the watchdog. A data node that is down does not hold it up. It is refused while an action, a "
                    + "fence, a switchover or a failover order is under way, while a restarted primary has not led again, and when the "
                    + "configuration file has errors, a changed cluster section, node.name or node.state_dir, or another key. While vigild is away nothing fences this PostgreSQL: a peer elected "
                    + "meanwhile promotes only on another proof (the old primary answering in recovery or stopped, its "
                    + "fence agents, vigilctl confirm-down, failover_without_fencing).",
            "",
            "With --switchover, a primary first hands its role to the best standby (as vigilctl switchover --wait) and, "
                    + "once its PostgreSQL reports STANDBY_HEALTHY, vigild restarts as a standby's. Without --wait, exit "
                    + "0 means the restart was accepted. With --wait, vigilctl follows it: until a new vigild process "
                    + "answers on the socket and, if this node led, leads again (otherwise until its PostgreSQL reports "
                    + "healthy, or at once without managed PostgreSQL), and fails with the cause if the daemon gave it up. "
                    + "--wait-for bounds the whole command, the switchover included. The daemon logs event=restart_daemon "
                    + "reason=OPERATOR_RESTART_DAEMON with the operator, then event=restarting and event=exiting exit=75 "
                    + "(or event=restart_daemon_given_up with the cause).",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:vigild is restarting (with --wait: the new vigild runs and leads again, or its PostgreSQL is healthy)",
            " 1:vigild refused or gave the restart up (the reason is printed), the switchover failed, or --wait-for ran out",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  apt-get install vigil && vigilctl restart-daemon --wait",
                  "  vigilctl restart-daemon --switchover --wait"})
final class RestartDaemonCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--switchover", description = "On the primary, hand its role to the best standby first.")
    boolean switchover;

    @Option(names = "--wait", description = "Wait until the new vigild runs and leads again (or its PostgreSQL is healthy).")
    boolean await;

    @Option(names = "--wait-for", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long --switchover and --wait wait (default: ${DEFAULT-VALUE}).")
    int waitFor;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (waitFor < 1) {
            err.println("vigilctl: --wait-for must be at least 1 second");
            return Vigilctl.EXIT_USAGE;
        }
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(waitFor).toNanos(); // one budget for the switchover and the restart
        AdminCall before = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), err);
        if (!before.ok()) return before.exit();
        String node = before.result().path("node").asText();
        boolean leads = node.equals(before.result().path("leader").asText(null));
        if (switchover && leads && node.equals(before.result().path("postgres").path("primary").asText(null))) {
            int moved = switchOver(node, before.result().path("postgres").path("timeline").asLong(-1), start, deadline, out, err);
            if (moved != Vigilctl.EXIT_OK) return moved;
            leads = false;
        } else if (switchover) {
            out.println(node + " is not the primary: no switchover needed");
        }
        AdminCall version = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.VERSION), parent.timeout(), err);
        if (!version.ok()) return version.exit();
        long pid = version.result().path("pid").asLong();
        long asked = System.nanoTime();
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.RESTART_DAEMON,
                Map.of("operator", Operator.name())), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        out.println(call.result().path("detail").asText());
        out.flush();
        return await ? follow(node, pid, leads, asked, deadline, out, err) : Vigilctl.EXIT_OK;
    }

    /**
     * {@code --switchover} on the primary: the switchover, followed until the target leads; then this node's PostgreSQL,
     * restarting as a standby, until it reports healthy (a restart is refused while that action runs).
     */
    private int switchOver(String node, long timeline, long start, long deadline, PrintWriter out, PrintWriter err) {
        AdminCall sw = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.SWITCHOVER, Map.of("operator",
                Operator.name(), "purpose", vigil.protocol.admin.SwitchoverPurpose.RESTART_DAEMON.word())), parent.timeout(), err);
        if (!sw.ok()) return sw.exit();
        out.println(sw.result().path("detail").asText());
        out.flush();
        long now = System.nanoTime();
        int left = (int) Math.max(1, Duration.ofNanos(deadline - now).toSeconds()); // whole seconds: at most 1 s over
        int followed = SwitchoverCommand.follow(parent, sw.result().path("target").asText(), node, timeline, now, left,
                out, err);
        if (followed != Vigilctl.EXIT_OK) return followed;
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        String reason = "";
        while (System.nanoTime() < deadline) {
            AdminCall s = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), quiet);
            reason = s.ok() ? s.result().path("postgres").path("reason").asText("") : "";
            if (reason.startsWith("STANDBY_HEALTHY")) return Vigilctl.EXIT_OK;
            if (!sleep()) return Vigilctl.EXIT_DAEMON_ERROR;
        }
        err.println("vigilctl: " + node + "'s PostgreSQL did not report STANDBY_HEALTHY within --wait-for after the switchover"
                + " (last: " + (reason.isEmpty() ? "unknown" : reason) + "); vigild was not restarted");
        return Vigilctl.EXIT_DAEMON_ERROR;
    }

    private static boolean sleep() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The cause of a {@code restart_daemon_given_up} this daemon logged after the request, or null. */
    private String givenUp(PrintWriter quiet) {
        AdminCall h = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.HISTORY, Map.of("limit", 50)),
                parent.timeout(), quiet);
        if (!h.ok()) return null;
        String cause = null;
        for (JsonNode e : h.result().path("entries")) {
            String event = e.path("event").asText();
            if ("restart_daemon".equals(event)) cause = null;
            else if ("restart_daemon_given_up".equals(event)) cause = e.path("fields").path("cause").asText("");
        }
        return cause;
    }

    /**
     * Polls the socket until another vigild process than {@code pid} answers and, if {@code led}, leads again, or else
     * its PostgreSQL reports healthy; or {@code waitFor} seconds from {@code start} (System.nanoTime) pass.
     */
    private int follow(String node, long pid, boolean led, long start, long deadline, PrintWriter out, PrintWriter err) {
        PrintWriter quiet = new PrintWriter(Writer.nullWriter()); // down and starting: expected, not worth a line each
        long newPid = -1;
        String last = "the old vigild (pid " + pid + ") still answering";
        while (System.nanoTime() < deadline) {
            if (newPid < 0) {
                AdminCall v = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.VERSION), parent.timeout(), quiet);
                if (v.ok() && v.result().path("pid").asLong() != pid) {
                    newPid = v.result().path("pid").asLong();
                } else {
                    last = v.ok() ? "the old vigild (pid " + pid + ") still answering" : "no vigild answering";
                    String cause = v.ok() && System.nanoTime() - start > Duration.ofSeconds(1).toNanos() ? givenUp(quiet) : null;
                    if (cause != null) {
                        err.println("vigilctl: vigild on " + node + " gave the restart up: " + cause);
                        return Vigilctl.EXIT_DAEMON_ERROR;
                    }
                }
            }
            if (newPid >= 0) {
                AdminCall s = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), quiet);
                if (s.ok()) {
                    JsonNode st = s.result();
                    String reason = st.path("postgres").path("reason").asText("");
                    boolean managesPg = st.has("postgres") && !st.path("postgres").isNull();
                    boolean back = led ? node.equals(st.path("leader").asText(null)) && "leader".equals(st.path("role").asText())
                            : !managesPg || reason.startsWith("STANDBY_HEALTHY") || reason.startsWith("PRIMARY_HEALTHY");
                    if (back) {
                        out.printf(Locale.ROOT, "vigild on %s restarted (pid %d -> %d) %.2f s after the request; %s%n", node,
                                pid, newPid, (System.nanoTime() - start) / 1e9, led ? node + " leads again (term "
                                        + st.path("term").asLong() + ")" : managesPg ? "PostgreSQL " + reason : "it runs");
                        return Vigilctl.EXIT_OK;
                    }
                    last = "the new vigild (pid " + newPid + ") runs; leader " + st.path("leader").asText("none")
                            + ", PostgreSQL " + (reason.isEmpty() ? "not known yet" : reason);
                }
            }
            if (!sleep()) return Vigilctl.EXIT_DAEMON_ERROR;
        }
        err.println("vigilctl: the restart of vigild on " + node + " did not complete within " + waitFor + " s: " + last
                + " (vigilctl history, journalctl -u vigild)");
        return Vigilctl.EXIT_DAEMON_ERROR;
    }
}
