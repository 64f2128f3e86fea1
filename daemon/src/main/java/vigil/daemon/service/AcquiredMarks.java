package vigil.daemon.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vigil.config.ServiceActionSettings;

/**
 * Which VIPs had every {@code acquired} action complete on this host since this host last acquired them, and with
 * which actions (a digest of their argv, in order): {@code <state_dir>/vip-acquired}, one line per VIP. A VIP kept from
 * start (a restart of vigild left it on the host) runs its actions again unless its mark matches the actions configured
 * now: the process that acquired it may have ended before they ran (queued actions are dropped at a stop), or the
 * restart may have been made to add one. A mark is erased before a VIP's {@code acquired} actions start and when its
 * {@code released} actions are asked for, so a process that ends half-way leaves none: the worst a lost or unreadable
 * file costs is one more run of the actions.
 */
final class AcquiredMarks {
    static final String FILE = "vip-acquired";

    private final Path file;
    private final Map<String, String> marks = new TreeMap<>();

    private AcquiredMarks(Path file) {
        this.file = file;
    }

    /** The marks kept in {@code stateDir}; an unreadable file counts as none. */
    static AcquiredMarks open(Path stateDir) {
        AcquiredMarks m = new AcquiredMarks(stateDir.resolve(FILE));
        try {
            if (Files.exists(m.file)) {
                for (String line : Files.readAllLines(m.file, StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) m.marks.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            m.marks.clear();
        }
        return m;
    }

    /** The digest of the actions that run when {@code vip} is acquired, in the order they run. */
    static String digest(List<ServiceActionSettings> actions, String vip) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (ServiceActionSettings a : actions) {
                if (!a.matches(ServiceActionSettings.Trigger.ACQUIRED, vip)) continue;
                md.update(String.join("\u0000", a.argv()).getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    synchronized boolean matches(String vip, String digest) {
        return digest.equals(marks.get(vip));
    }

    synchronized void put(String vip, String digest) throws IOException {
        if (digest.equals(marks.put(vip, digest))) return;
        write();
    }

    synchronized void erase(String vip) throws IOException {
        if (marks.remove(vip) != null) write();
    }

    private void write() throws IOException {
        StringBuilder out = new StringBuilder();
        marks.forEach((vip, d) -> out.append(vip).append('\t').append(d).append('\n'));
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.writeString(tmp, out, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
