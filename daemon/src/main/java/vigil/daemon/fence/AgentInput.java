package vigil.daemon.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import vigil.config.FenceDevice;

/**
 * The stdin of one fence agent call: one {@code key=value} line per parameter, in the names every fencing.py since
 * the cluster suite's days reads ({@code ipaddr}, {@code ipport}, {@code login}, {@code passwd},
 * {@code passwd_script}, and {@code port} for the plug; newer agents also take {@code ip}, {@code username},
 * {@code password} and {@code plug}, older ones do not). Invariant: the password read from {@code password_file}
 * exists only in these bytes and in {@link #mask}; {@link #toString} never shows it.
 */
final class AgentInput {
    private final byte[] bytes;
    private final String password;

    private AgentInput(byte[] bytes, String password) {
        this.bytes = bytes;
        this.password = password;
    }

    /** The lines for {@code action} on {@code d}, reading its password file now (so a changed password is used). */
    static AgentInput of(FenceDevice d, String action, String target) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("action=" + action);
        lines.add("nodename=" + target);
        d.ip().ifPresent(ip -> lines.add("ipaddr=" + ip));
        d.port().ifPresent(port -> lines.add("ipport=" + port));
        d.username().ifPresent(u -> lines.add("login=" + u));
        d.plug().ifPresent(plug -> lines.add("port=" + plug));
        if (d.lanplus()) {
            lines.add("lanplus=1");
        }
        for (Map.Entry<String, String> o : d.options().entrySet()) {
            lines.add(o.getKey() + "=" + o.getValue());
        }
        String password = null;
        if (d.passwordFile().isPresent()) {
            password = firstLine(Files.readString(d.passwordFile().get(), StandardCharsets.UTF_8));
            if (password.isEmpty()) {
                throw new IOException("its first line is empty");
            }
            lines.add("passwd=" + password);
        }
        d.passwordScript().ifPresent(s -> lines.add("passwd_script=" + s));
        return new AgentInput((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8), password);
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        String line = nl < 0 ? text : text.substring(0, nl);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    /** {@code text} with every occurrence of the password replaced by {@code ****}. */
    String mask(String text) {
        return password == null || text == null ? text : text.replace(password, "****");
    }

    @Override
    public String toString() {
        return "AgentInput[" + bytes.length + " bytes]";
    }
}
