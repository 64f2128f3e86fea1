package vigil.protocol.admin;

import java.util.Arrays;
import java.util.Optional;

/**
 * The commands the admin protocol defines. The daemon rejects any other command name with
 * {@link ErrorCode#UNKNOWN_COMMAND} before its handler sees it, so a handler only ever has to
 * deal with names listed here. Adding a command = adding a constant here and a case in the handler.
 */
public enum AdminCommand {
    /** The daemon's own view of the cluster; the result is a {@link StatusView}. */
    STATUS("status");

    private final String wireName;

    AdminCommand(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the request's {@code command} field. */
    public String wireName() {
        return wireName;
    }

    /** The command with this wire name, if the protocol defines one (case-sensitive). */
    public static Optional<AdminCommand> fromWireName(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
    }
}
