package vigil.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rules for {@code cluster.nodes[].fence}. vigild runs fence agents as root and hands them the device's password on
 * stdin, so: an agent (and a password script) must be a file only root can change; a password lives only in a file
 * nobody else can read, never in the config (which is copied to every node) and never inside {@code options}; and
 * every value becomes exactly one {@code key=value} line on the agent's stdin, so none may carry a line break. The
 * cluster section is the same on every node while the agent is needed only where a fence may start: a missing agent
 * or password file on this node is a warning, not an error.
 */
final class FenceRules {
    static final String NO_LITERAL_PASSWORD = "a password is never written in the config file (it is copied to every"
            + " node and easily shown) — put it on the first line of a file readable only by root (chmod 600) and"
            + " set password_file to it, or set password_script to a program that prints it";
    private static final Pattern OPTION_KEY = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");
    /** Keys the driver sets from their own settings, with the setting that holds them (both spellings agents take). */
    private static final Map<String, String> OWN_SETTING = Map.ofEntries(
            Map.entry("action", "vigild sets the action itself (off, then status)"),
            Map.entry("nodename", "vigild sends the member's name itself"),
            Map.entry("ip", "use the ip setting"), Map.entry("ipaddr", "use the ip setting"),
            Map.entry("ipport", "use the port setting"),
            Map.entry("login", "use the username setting"), Map.entry("username", "use the username setting"),
            Map.entry("port", "use the plug setting (fence-agents' port is the plug)"),
            Map.entry("plug", "use the plug setting"),
            Map.entry("lanplus", "use the lanplus setting"),
            Map.entry("passwd_script", "use the password_script setting"),
            Map.entry("password_script", "use the password_script setting"));

    private FenceRules() {}

    static String list(int node) {
        return "cluster.nodes[" + node + "].fence";
    }

    static void check(Bound b, Problems problems) {
        String me = System.getProperty("user.name");
        for (int i = 0; i < b.listSize("cluster.nodes"); i++) {
            for (int j = 0; j < b.listSize(list(i)); j++) {
                device(b, problems, list(i) + "[" + j + "].", me);
            }
        }
    }

    private static void device(Bound b, Problems problems, String p, String me) {
        executable(b, problems, p + "agent", "fence agent", me);
        executable(b, problems, p + "password_script", "password script", me);
        if (b.isWritten(p + "password_file") && b.isWritten(p + "password_script")) {
            problems.error(p + "password_script", b.at(p + "password_script"), "password_file and password_script"
                    + " are both set — keep one: the file vigild reads, or the script the agent runs");
        }
        Path pass = b.get(p + "password_file", Path.class);
        if (pass != null) {
            String why = passwordFileProblem(pass);
            if (why != null) {
                problems.error(p + "password_file", b.at(p + "password_file"), why);
            } else if (!Files.exists(pass)) {
                problems.warning(p + "password_file", b.at(p + "password_file"), "password file " + pass
                        + " does not exist on this node — create it (mode 0600) on every node that may fence this"
                        + " member; a fence from here would fail");
            }
        }
        for (String key : new String[] {"username", "plug"}) {
            String v = b.get(p + key, String.class);
            if (v != null && hasControl(v)) {
                problems.error(p + key, b.at(p + key), key + " contains a control character — each value is one line"
                        + " on the agent's stdin: remove it");
            }
        }
        String options = b.get(p + "options", String.class);
        if (options != null) {
            String why = optionsProblem(options);
            if (why != null) {
                problems.error(p + "options", b.at(p + "options"), why);
            }
        }
    }

    private static void executable(Bound b, Problems problems, String setting, String what, String me) {
        Path path = b.get(setting, Path.class);
        if (path == null) {
            return;
        }
        if (!Files.exists(path)) {
            problems.warning(setting, b.at(setting), what + " " + path + " does not exist on this node — install it"
                    + " (apt install fence-agents) on every node that may fence this member; a fence from here would"
                    + " fail");
            return;
        }
        String why = HookRules.executableProblem(what, path, me);
        if (why != null) {
            problems.error(setting, b.at(setting), why);
        }
    }

    /** Why an existing password file must not be used (null also when it does not exist: that is only warned). */
    static String passwordFileProblem(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class);
            if (!a.isRegularFile()) {
                return "password file " + file + " is not a regular file — point password_file at the file itself";
            }
            Set<PosixFilePermission> perms = a.permissions();
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return "password file " + file + " can be read or written by group or others — run: chmod 600 " + file;
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot check password file " + file + " (" + e.getMessage() + ") — keep it on a POSIX file system";
        }
    }

    /** Why {@code text} is not a list of {@code key=value} pairs the driver may send, or null. */
    static String optionsProblem(String text) {
        return parseOptions(text, null);
    }

    /** The pairs of a valid {@code options} value, in order. */
    static Map<String, String> options(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String why = parseOptions(text, out);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        return out;
    }

    private static String parseOptions(String text, Map<String, String> out) {
        Map<String, String> seen = new LinkedHashMap<>();
        int n = 0;
        for (String pair : SEPARATORS.split(text.strip())) {
            if (pair.isEmpty()) {
                continue;
            }
            n++;
            int eq = pair.indexOf('=');
            if (eq <= 0) { // not shown: it could be a password written where it does not belong
                return "item " + n + " is not key=value — write pairs such as method=onoff power_wait=4,"
                        + " separated by spaces or commas";
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            String lower = key.toLowerCase(Locale.ROOT).replace('-', '_');
            if (lower.contains("passw") && !lower.endsWith("_script")) {
                return "options must not hold a password (" + key + "=...) — " + NO_LITERAL_PASSWORD;
            }
            if (!OPTION_KEY.matcher(key).matches()) {
                return "\"" + key + "\" is not an option name — use the agent's lower-case parameter names"
                        + " (letters, digits, '_', '-', '.'), as in its man page";
            }
            String own = OWN_SETTING.get(key.replace('-', '_'));
            if (own != null) {
                return "options must not set " + key + " — " + own;
            }
            if (value.isEmpty() || hasControl(value)) {
                return "option " + key + " has no value or a control character — write " + key + "=VALUE"
                        + " (for a flag: " + key + "=1)";
            }
            if (seen.put(key, value) != null) {
                return "option " + key + " is given twice — keep one";
            }
        }
        if (seen.isEmpty()) {
            return "no key=value pair — write e.g. method=onoff power_wait=4, or remove options";
        }
        if (out != null) {
            out.putAll(seen);
        }
        return null;
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
