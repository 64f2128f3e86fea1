package vigil.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import vigil.config.ServiceActionSettings.Trigger;

/**
 * Checks and binding of {@code node.services} and {@code node.service_preset}. An entry names exactly one of a unit
 * or a command (either alone says what runs; both would be ambiguous); a VIP filter only with the triggers that
 * concern a VIP; a command's program is an absolute path that only root can change, as for hooks: vigild runs it
 * with its own rights.
 */
final class ServiceRules {
    static final String LIST = "node.services";
    static final String PRESET = "node.service_preset";
    /** systemd's unit name characters; no leading '-', which systemctl would read as an option. */
    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.@\\\\][A-Za-z0-9:_.@\\\\-]*");

    private ServiceRules() {}

    static String trigger(Object word) {
        return Trigger.of((String) word).isPresent() ? null
                : "unknown trigger \"" + word + "\" — write acquired, released, promoted or demoted";
    }

    static String unit(Object unit) {
        return UNIT.matcher((String) unit).matches() ? null
                : "\"" + unit + "\" is not a systemd unit name — write the unit as systemctl lists it, e.g. apache2 or"
                        + " bind9.service (for anything else than systemctl restart, use command:)";
    }

    static void check(Bound b, Problems problems) {
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "]";
            unitOrCommand(b, problems, p, "unit restarts a systemd unit, command runs a command",
                    "unit: (systemctl restart UNIT) or command: (a command to run)", "no action given");
            Trigger on = Trigger.of(Optional.ofNullable(b.get(p + ".on", String.class)).orElse("")).orElse(null);
            if (on != null && !on.perVip() && b.isWritten(p + ".vip")) {
                problems.error(p + ".vip", b.at(p + ".vip"), "vip only fits on: acquired or on: released — " + on.word()
                        + " concerns PostgreSQL, not a VIP: remove vip: here");
            }
        }
    }

    /**
     * An entry {@code p} of {@code node.services} or {@code node.track} names exactly one of {@code unit} and
     * {@code command}, and a command's program is an absolute path only root can change.
     */
    static void unitOrCommand(Bound b, Problems problems, String p, String keepOne, String addOne, String noneGiven) {
        boolean unit = b.isWritten(p + ".unit");
        boolean command = b.isWritten(p + ".command");
        if (unit == command) {
            problems.error(p, b.at(p), unit ? "both unit and command are given — keep one: " + keepOne
                    : noneGiven + " — add " + addOne);
        }
        String line = b.get(p + ".command", String.class);
        if (line == null) return;
        String program = CommandLine.split(line).get(0);
        String error = !program.startsWith("/")
                ? "the program \"" + program + "\" is not an absolute path — write its full path (e.g. /usr/sbin/"
                        + program + "; see: command -v " + program + "), so that what runs does not depend on PATH"
                : HookRules.problem("program", Path.of(program), System.getProperty("user.name"),
                        "install it, or fix the path (see: command -v " + Path.of(program).getFileName() + ")",
                        "/usr/local/sbin");
        if (error != null) problems.error(p + ".command", b.at(p + ".command"), error);
    }

    /** The preset's actions, then the list's, for a file that passed every check. */
    static List<ServiceActionSettings> actions(Bound b) {
        List<ServiceActionSettings> out = new ArrayList<>(ServicePreset.of(b.get(PRESET, String.class)).orElseThrow().actions());
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "].";
            Trigger on = Trigger.of(b.get(p + "on", String.class)).orElseThrow();
            String unit = b.get(p + "unit", String.class);
            List<String> argv = unit != null ? List.of("systemctl", "restart", unit)
                    : CommandLine.split(b.get(p + "command", String.class));
            out.add(new ServiceActionSettings(on, Optional.ofNullable(b.get(p + "vip", String.class)), argv,
                    unit != null ? "restart " + unit : b.get(p + "command", String.class).strip(),
                    b.get(p + "timeout", Duration.class), b.get(p + "retries", Integer.class),
                    b.get(p + "backoff", Duration.class), LIST + "[" + i + "]"));
        }
        return out;
    }
}
