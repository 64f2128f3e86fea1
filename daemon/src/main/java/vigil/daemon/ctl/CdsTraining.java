package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.NodeStatusView;
import vigil.protocol.admin.PgClusterView;
import vigil.protocol.admin.PgNodeView;
import vigil.protocol.admin.ServiceOutcomeView;
import vigil.protocol.admin.StatusView;
import vigil.protocol.admin.TrackedView;

/**
 * The run that records vigilctl's class data sharing archive ({@code bin/vigilctl}, {@code VIGILCTL_CDS_TRAINING=1}):
 * it encodes and decodes a full status reply and renders it both ways, then renders what {@code check},
 * {@code history} and {@code version} print, and runs those three as a call does ({@link QuickCall}) against no
 * socket, so that every class those read-only calls load is in the archive (a class missing from it is loaded and
 * verified at every call); the wrapper then runs the command itself against no socket. It talks to nothing.
 */
final class CdsTraining {
    private CdsTraining() {}

    static void exercise() {
        PgNodeView pg = new PgNodeView("standby", 2L, "0/3000060", 0L, true, true, 0, "watchdog-armed");
        StatusView view = new StatusView(StatusView.FORMAT_VERSION, "n2", "maas", "follower", 3, "n1", 0, true, 3, 3,
                List.of(new NodeStatusView("n1", "data", "leader", true, false, pg),
                        new NodeStatusView("n2", "data", "follower", true, true, pg),
                        new NodeStatusView("w1", "witness", "witness", true, false)),
                new PgClusterView("n1", 2, List.of("n2"), false, "STANDBY_HEALTHY", "not held",
                        new TrackedView("n1", "not held", "pass")),
                List.of(new ServiceOutcomeView("restart apache2", "acquired", "region", true, 0, 1, 0L, "")));
        AdminCodec.encodeRequest(new AdminRequest(AdminCodec.PROTOCOL_VERSION, "status", Map.of()));
        AdminCodec.encodeRequest(new AdminRequest(AdminCodec.PROTOCOL_VERSION, "history", Map.of("limit", 20)));
        String line = AdminCodec.encodeReply(AdminReply.success(AdminCodec.toTree(view)));
        var reply = AdminCodec.decodeReply(line);
        if (!reply.isValid()) return;
        var decoded = AdminCodec.decodeResult(reply.value().result(), StatusView.class);
        if (!decoded.isValid()) return;
        PrintWriter sink = new PrintWriter(new StringWriter());
        sink.print(StatusTable.render(decoded.value()));
        sink.print(AdminCodec.toPrettyJson(reply.value().result()));
        // check: the same status judged; history: one event line (java.time, String.format); version: the daemon line
        sink.print(Check.of(decoded.value(), Check.parseSize(CheckCommand.DEFAULT_WARNING),
                Check.parseSize(CheckCommand.DEFAULT_CRITICAL)).line());
        sink.print(HistoryCommand.line(AdminCodec.toTree(Map.of("at", "2026-12-04T00:00:00.123Z", "priority", "notice",
                "event", "pg", "fields", Map.of("reason", "PROMOTED", "cause", "timeline 2"))), java.time.ZoneId.systemDefault()));
        sink.print(VersionCommand.daemon(AdminCodec.toTree(Map.of("vigild", "0", "node", "n2", "admin_protocol", 1,
                "status_format", 1, "pid", 1, "java", "17", "uptime_s", 3_700, "started_at", "2026-12-04T00:00:00Z"))));
        // Then each as a call runs it (QuickCall: picocli's classes are too old to be archived), failing at once on a
        // socket that is not there.
        for (List<String> args : List.of(List.of("check"), List.of("history", "-n", "20"), List.of("version"))) {
            List<String> call = new java.util.ArrayList<>(List.of("--socket", "/nonexistent/vigil.sock"));
            call.addAll(args);
            Vigilctl.run(call.toArray(String[]::new), name -> null, sink, sink, java.time.Duration.ofMillis(100));
        }
        sink.flush();
    }
}
