package vigil.daemon.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a timeline branched off its parent: one line of a timeline history file ({@code pg_wal/<TLI>.history},
 * {@code parentTLI<TAB>switchpoint<TAB>reason}). A primary on timeline 3 whose history ends with
 * {@code 2 0/5000148} wrote its first own WAL at 0/5000148; WAL of timeline 2 beyond that point exists on no
 * history that leads here. Two servers on the same timeline number with different fork points have diverged even
 * though pg_rewind, which compares only the numbers, says "no rewind required".
 */
public record ForkPoint(long parentTimeline, long switchLsn) {
    /** Every entry of a history file's text, oldest first; comments and blank lines skipped. */
    static List<ForkPoint> parseHistory(String text) {
        List<ForkPoint> entries = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 2) {
                throw new IllegalArgumentException("unreadable timeline history line \"" + line + "\"");
            }
            try {
                entries.add(new ForkPoint(Long.parseLong(f[0]), Lsn.parse(f[1])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unreadable timeline history line \"" + line + "\": " + e.getMessage(), e);
            }
        }
        return entries;
    }

    /** The last entry: where the history file's own timeline forked off; empty for an empty file. */
    static Optional<ForkPoint> lastOf(String historyText) {
        List<ForkPoint> all = parseHistory(historyText);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    @Override
    public String toString() {
        return "timeline " + parentTimeline + " at " + Lsn.format(switchLsn);
    }
}
