package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vigil.daemon.Version;
import vigil.protocol.admin.AdminCodec;
import vigil.protocol.admin.AdminCommand;
import vigil.protocol.admin.AdminRequest;

/** {@code vigilctl version}: this vigilctl's version and the running daemon's. */
@Command(name = "version",
        sortOptions = false,
        header = "Show the versions of vigilctl and of the running vigild.",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] version [--json]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Prints vigilctl's own version and admin protocol version, then asks the local vigild for its version, "
                    + "the protocol and status format it speaks, its Java runtime, process id and uptime. After an "
                    + "upgrade, a daemon that still reports the old version has not been restarted yet.",
            "",
            "When vigild cannot be reached, vigilctl's own version is still printed, and the exit code says why the "
                    + "daemon's is missing.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success",
            " 1:vigild answered with an error, or its reply was malformed",
            " 2:usage error",
            "69:vigild unreachable (vigilctl's own version is printed anyway)",
        },
        footerHeading = "%nExamples:%n",
        footer = {"  vigilctl version", "  vigilctl version --json | jq -r .vigild.vigild"})
final class VersionCommand extends CtlCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print both versions as one JSON document.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        StringWriter why = new StringWriter();
        AdminCall call = AdminCall.ask(socket(), AdminRequest.of(AdminCommand.VERSION), timeout(),
                new PrintWriter(why, true));
        if (json) {
            var doc = AdminCodec.toTree(java.util.Map.of("vigilctl", Version.of(), "admin_protocol",
                    vigil.protocol.admin.AdminCodec.PROTOCOL_VERSION));
            ((com.fasterxml.jackson.databind.node.ObjectNode) doc).set("vigild", call.ok() ? call.result() : null);
            out.println(AdminCodec.toPrettyJson(doc));
        } else {
            out.println("vigilctl " + Version.of() + " (admin protocol " + AdminCodec.PROTOCOL_VERSION + ")");
            if (call.ok()) out.println(daemon(call.result()));
        }
        err.print(why);
        return call.exit();
    }

    static String daemon(JsonNode v) {
        StringBuilder b = new StringBuilder("vigild ").append(v.path("vigild").asText("unknown"))
                .append(" on ").append(v.path("node").asText("?"))
                .append(" (admin protocol ").append(v.path("admin_protocol").asText("?"))
                .append(", status format ").append(v.path("status_format").asText("?"))
                .append("), pid ").append(v.path("pid").asText("?"))
                .append(", Java ").append(v.path("java").asText("?"));
        JsonNode up = v.path("uptime_s");
        if (up.isNumber()) b.append(", up ").append(uptime(up.asLong())).append(" since ").append(v.path("started_at").asText());
        return b.toString();
    }

    static String uptime(long s) {
        if (s >= 86_400) return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
        if (s >= 3600) return s / 3600 + "h " + s % 3600 / 60 + "m";
        if (s >= 60) return s / 60 + "m " + s % 60 + "s";
        return s + "s";
    }
}
