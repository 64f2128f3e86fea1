package vigil.testkit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ownership of rig namespaces across processes. Each rig writes {@code /tmp/vigil-rig/<runid>.pid}
 * ("pid starttime") before it creates any namespace, so a namespace {@code vg<runid>...} whose pid
 * file names a dead process was left by a crashed rig and may be deleted. Namespaces without a pid
 * file were not made by this rig and are never touched.
 */
final class StaleRuns {
    static final Pattern NS_NAME = Pattern.compile("vg([0-9a-f]{6})(sw|c|n[0-9]+)");

    private StaleRuns() {
    }

    static Path pidFile(String runId) {
        return NetnsRig.RIG_ROOT.resolve(runId + ".pid");
    }

    static void claim(String runId) throws IOException {
        Files.createDirectories(NetnsRig.RIG_ROOT);
        long pid = ProcessHandle.current().pid();
        long start = ProcFs.startTime(pid).orElse(0L);
        Files.writeString(pidFile(runId), pid + " " + start + "\n");
    }

    static boolean ownerAlive(String runId) {
        try {
            String[] f = Files.readString(pidFile(runId)).strip().split("\\s+");
            long pid = Long.parseLong(f[0]);
            long start = Long.parseLong(f[1]);
            return ProcFs.startTime(pid).map(s -> s == start).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes namespaces of dead rigs (killing what still runs in them) and their pid files; returns them. */
    static List<String> sweep() {
        List<String> deleted = new ArrayList<>();
        for (String ns : NetnsRig.listNamespaces()) {
            Matcher m = NS_NAME.matcher(ns);
            if (!m.matches()) {
                continue;
            }
            String runId = m.group(1);
            if (!Files.exists(pidFile(runId)) || ownerAlive(runId)) {
                continue;
            }
            NetnsRig.killAllIn(ns);
            Shell.run(Duration.ofSeconds(10), NetnsRig.IP, "netns", "del", ns);
            deleted.add(ns);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(NetnsRig.RIG_ROOT, "*.pid")) {
            for (Path p : ds) {
                String runId = p.getFileName().toString().replace(".pid", "");
                boolean nsLeft = NetnsRig.listNamespaces().stream().anyMatch(n -> n.startsWith("vg" + runId));
                if (!ownerAlive(runId) && !nsLeft) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException ignored) {
            // no rig directory yet: nothing to sweep
        }
        return deleted;
    }
}
