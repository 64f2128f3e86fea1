package vigil.daemon.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import vigil.protocol.admin.AdminReply;
import vigil.protocol.admin.AdminRequest;
import vigil.protocol.admin.Decoded;

/**
 * One request to vigild from a vigilctl command, with the failures every command reports the same way: unreachable
 * (exit 69), a malformed reply or a refusal (exit 1), each explained on stderr.
 *
 * @param result the reply's result when {@code exit} is 0, else null
 */
record AdminCall(JsonNode result, int exit) {
    static AdminCall ask(Path socket, AdminRequest request, Duration timeout, PrintWriter err) {
        Decoded<AdminReply> decoded;
        try {
            decoded = AdminClient.call(socket, request, timeout);
        } catch (AdminClient.UnreachableException e) {
            err.println("vigilctl: " + e.getMessage());
            return new AdminCall(null, Vigilctl.EXIT_UNAVAILABLE);
        }
        if (!decoded.isValid()) {
            err.println("vigilctl: unusable reply from vigild at " + socket + ": " + decoded.error());
            return new AdminCall(null, Vigilctl.EXIT_DAEMON_ERROR);
        }
        AdminReply reply = decoded.value();
        if (!reply.ok()) {
            err.println("vigilctl: vigild refused " + request.command() + ": " + reply.error().code() + ": "
                    + reply.error().message());
            return new AdminCall(null, Vigilctl.EXIT_DAEMON_ERROR);
        }
        return new AdminCall(reply.result(), Vigilctl.EXIT_OK);
    }

    /**
     * Asks for {@code command} with {@code args} (the operator's name added) on {@code parent}'s socket and prints the
     * daemon's {@code detail}: what every command that only reports an outcome does.
     *
     * @return the exit code
     */
    static int printDetail(Vigilctl parent, picocli.CommandLine.Model.CommandSpec spec,
                           vigil.protocol.admin.AdminCommand command, java.util.Map<String, Object> args) {
        return printDetail(parent, spec, command, args, parent.timeout(), result -> Vigilctl.EXIT_OK);
    }

    /**
     * As above, waiting up to {@code timeout} for the answer; {@code exit} says the exit code from a successful
     * reply's result.
     */
    static int printDetail(Vigilctl parent, picocli.CommandLine.Model.CommandSpec spec,
                           vigil.protocol.admin.AdminCommand command, java.util.Map<String, Object> args,
                           java.time.Duration timeout,
                           java.util.function.ToIntFunction<com.fasterxml.jackson.databind.JsonNode> exit) {
        java.util.Map<String, Object> withOperator = new java.util.HashMap<>(args);
        withOperator.put("operator", Operator.name());
        AdminCall call = ask(parent.socket(), AdminRequest.of(command, withOperator), timeout, spec.commandLine().getErr());
        if (!call.ok()) return call.exit();
        spec.commandLine().getOut().println(call.result().path("detail").asText());
        return exit.applyAsInt(call.result());
    }

    boolean ok() {
        return exit == Vigilctl.EXIT_OK;
    }
}
