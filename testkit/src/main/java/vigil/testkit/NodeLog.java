package vigil.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's captured stdout, read incrementally (the file only grows: restarts append). Keeps
 * every event parsed so far; only complete lines are parsed.
 */
final class NodeLog {
    private final Path file;
    private final List<LogEvent> events = new ArrayList<>();
    private long offset;
    private byte[] partial = new byte[0];

    NodeLog(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized List<LogEvent> events() {
        poll();
        return List.copyOf(events);
    }

    private void poll() {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len <= offset) {
                return;
            }
            byte[] fresh = new byte[(int) Math.min(len - offset, 64L << 20)];
            raf.seek(offset);
            raf.readFully(fresh);
            offset += fresh.length;
            byte[] buf = new byte[partial.length + fresh.length];
            System.arraycopy(partial, 0, buf, 0, partial.length);
            System.arraycopy(fresh, 0, buf, partial.length, fresh.length);
            int lastNl = -1;
            for (int i = buf.length - 1; i >= 0; i--) {
                if (buf[i] == '\n') {
                    lastNl = i;
                    break;
                }
            }
            String complete = new String(buf, 0, lastNl + 1, StandardCharsets.UTF_8);
            partial = java.util.Arrays.copyOfRange(buf, lastNl + 1, buf.length);
            complete.lines().map(LogParser::parse).flatMap(java.util.Optional::stream).forEach(events::add);
        } catch (IOException e) {
            throw new RigException("cannot read log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The last {@code maxLines} lines of the raw capture, for failure dumps. */
    String tail(int maxLines) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log at " + file + ": " + e.getMessage() + ")";
        }
    }
}
