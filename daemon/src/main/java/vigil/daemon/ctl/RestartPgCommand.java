package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl restart-pg}: restart standbys' PostgreSQL, or every node's one after another with a switchover. */
@Command(name = "restart-pg",
        sortOptions = false,
        header = "Restart PostgreSQL on standbys, or on every node in turn (--rolling) with a switchover.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] restart-pg [NODE...] [--rolling] [--wait-for SECONDS]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Restarts the PostgreSQL of each NODE (default: this node), one at a time: the node's vigild shuts its "
                    + "standby down cleanly and starts it again as a standby of the primary, as after a PostgreSQL "
                    + "package update that needs a restart; the restart counts as no failure. vigilctl waits until "
                    + "the node reports its standby healthy again (reason STANDBY_HEALTHY) before the next. The primary "
                    + "is refused (a restart in place would stop every write); so is every node in maintenance mode "
                    + "(restart by hand there) and a node whose PostgreSQL is not a running standby.",
            "",
            "With --rolling (a minor update of the whole cluster): the standbys among NODE (default: every data node) "
                    + "are restarted first, one at a time; then, if the primary is among them, the primary role is "
                    + "handed to the most advanced standby by a switchover (nothing lost, about 0.4 s of writes refused), "
                    + "and the old primary, a standby by then, is restarted last. Writes stop only during the "
                    + "switchover. In synchronous mode a restarting synchronous standby holds commits until it is back.",
            "",
            "Each NODE's request goes to NODE's own vigild (through this node), the switchover to the leader.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:every NODE restarted and is a healthy standby again (with --rolling, under a new primary if the old one"
                    + " was among them)",
            " 1:a node's vigild refused (the reason is printed), the switchover failed, or a node did not come back within"
                    + " --wait-for; the nodes before it are restarted, none after it",
            " 2:usage error",
            "69:vigild unreachable (socket missing or refusing, or no reply within 5 s)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl restart-pg n3", "  vigilctl restart-pg --rolling        # every data node, the primary last"})
final class RestartPgCommand extends CtlCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NODE", description = "The nodes to restart (default: this node; with"
            + " --rolling, every data node).")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--rolling", description = "Every NODE in turn, standbys first, the primary after a switchover.")
    boolean rolling;

    @Option(names = "--wait-for", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for each node to be a healthy standby again, and for the switchover"
                    + " (default: ${DEFAULT-VALUE}).")
    int waitFor;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (waitFor < 1) {
            err.println("vigilctl: --wait-for must be at least 1 second");
            return Vigilctl.EXIT_USAGE;
        }
        AdminCall status = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS), parent.timeout(), err);
        if (!status.ok()) return status.exit();
        JsonNode s = status.result();
        String self = s.path("node").asText();
        String primary = s.path("postgres").path("primary").asText(null);
        List<String> data = new ArrayList<>();
        for (JsonNode n : s.path("nodes")) if ("data".equals(n.path("kind").asText())) data.add(n.path("name").asText());
        List<String> targets = nodes.isEmpty() ? (rolling ? data : List.of(self)) : nodes;
        for (String t : targets) {
            if (!data.contains(t)) {
                err.println("vigilctl: " + t + " is not a data node of this cluster (data nodes: " + String.join(", ", data) + ")");
                return Vigilctl.EXIT_USAGE;
            }
        }
        long start = System.nanoTime();
        for (String t : targets) {
            if (rolling && t.equals(primary)) continue; // last, once it is a standby
            int exit = restart(t);
            if (exit != Vigilctl.EXIT_OK) return exit;
        }
        if (rolling && primary != null && targets.contains(primary)) {
            int exit = switchOver(primary, s.path("postgres").path("timeline").asLong(-1));
            if (exit != Vigilctl.EXIT_OK) return exit;
            if (awaitStandby(primary, System.nanoTime(), "a standby of the new primary") == null) return Vigilctl.EXIT_DAEMON_ERROR;
            exit = restart(primary);
            if (exit != Vigilctl.EXIT_OK) return exit;
        }
        if (rolling) out.printf(Locale.ROOT, "rolling restart of %s done in %.1f s%n", String.join(", ", targets),
                (System.nanoTime() - start) / 1e9);
        return Vigilctl.EXIT_OK;
    }

    /** Restarts {@code node}'s standby and waits until it is healthy again. */
    private int restart(String node) {
        long begun = System.nanoTime();
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.RESTART_PG,
                Map.of("node", node, "operator", Operator.name())), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        out.println(call.result().path("detail").asText());
        out.flush();
        Double seconds = awaitStandby(node, begun, "a healthy standby again");
        if (seconds == null) return Vigilctl.EXIT_DAEMON_ERROR;
        out.printf(Locale.ROOT, "%s: a healthy standby again, %.2f s after the request%n", node, seconds);
        out.flush();
        return Vigilctl.EXIT_OK;
    }

    /**
     * Polls {@code node}'s own status until its supervisor's reason is STANDBY_HEALTHY; the seconds since {@code since},
     * or null (said on stderr) when {@code --wait-for} runs out.
     */
    private Double awaitStandby(String node, long since, String what) {
        long deadline = since + waitFor * 1_000_000_000L;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.STATUS, Map.of("node", node)),
                    parent.timeout(), new PrintWriter(java.io.Writer.nullWriter()));
            if (call.ok()) {
                last = call.result().path("postgres").path("reason").asText("");
                if (last.startsWith("STANDBY_HEALTHY")) return (System.nanoTime() - since) / 1e9;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        err.println("vigilctl: " + node + " is not " + what + " after " + waitFor + " s (its last reason: " + last + ")");
        return null;
    }

    /** Hands the primary role away from {@code primary} to the best standby and waits for the new primary. */
    private int switchOver(String primary, long timelineBefore) {
        long begun = System.nanoTime();
        AdminCall call = AdminCall.ask(parent.socket(), AdminRequest.of(AdminCommand.SWITCHOVER, Map.of("operator",
                Operator.name(), "purpose", vigil.protocol.admin.SwitchoverPurpose.ROLLING_RESTART.word())), parent.timeout(), err);
        if (!call.ok()) return call.exit();
        out.println(call.result().path("detail").asText());
        out.flush();
        return SwitchoverCommand.follow(parent, call.result().path("target").asText(), call.result().path("from").asText(primary),
                timelineBefore, begun, waitFor, out, err);
    }
}
