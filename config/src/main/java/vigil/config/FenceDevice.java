package vigil.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One entry of {@code cluster.nodes[].fence}: a fence agent of Debian's fence-agents package (or one speaking its
 * stdin protocol) that can power off the node it is listed under. Invariant (checked by the loader): no password
 * is held here, only where to read one ({@code passwordFile}) or what the agent runs to get it
 * ({@code passwordScript}), never both; {@code options} hold no password, no action and none of the keys that have
 * their own setting, and neither keys nor values contain spaces, commas, '=' (keys) or control characters, so each
 * becomes exactly one stdin line.
 *
 * @param level   1 and up: every device of the lowest level must succeed, else the next level is tried
 * @param port    the device's TCP/UDP port (sent as {@code ipport}); empty: the agent's default (623 for IPMI)
 * @param plug    which outlet, VM or machine the device switches (sent as {@code port}, fence-agents' name for it)
 * @param options further {@code key=value} pairs for the agent, in file order
 * @param timeout how long one call of the agent may take before it and its children are killed
 */
public record FenceDevice(int level, Path agent, Optional<String> ip, OptionalInt port, Optional<String> username,
                          Optional<String> plug, boolean lanplus, Map<String, String> options,
                          Optional<Path> passwordFile, Optional<Path> passwordScript, Duration timeout) {
    public FenceDevice {
        if (level < 1) throw new IllegalArgumentException("fence level must be at least 1, got " + level);
        if (passwordFile.isPresent() && passwordScript.isPresent()) {
            throw new IllegalArgumentException("password_file and password_script exclude each other");
        }
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** A short name for logs and reasons: the agent's file name and the device's address or plug. */
    public String label() {
        String where = ip.or(() -> plug).map(s -> "@" + s).orElse("");
        return agent.getFileName() + where;
    }
}
