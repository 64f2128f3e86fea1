package vigil.daemon.pg;

import java.util.List;

/**
 * What another server said about itself over a replication connection: {@code IDENTIFY_SYSTEM} (its system
 * identifier, current timeline, current WAL flush position) and, for a timeline above 1, that timeline's history.
 * The timeline is the live one, unlike the one in its control file, which lags until a checkpoint completes.
 *
 * @param systemId unsigned 64-bit, held in a long like {@link ControlData#systemId()}
 * @param history the history entries of {@code timeline} (empty when not asked for, or on timeline 1)
 */
record SourceSystem(long systemId, long timeline, long xlogPos, List<ForkPoint> history) {
    SourceSystem {
        history = List.copyOf(history);
    }

    SourceSystem withHistory(List<ForkPoint> h) {
        return new SourceSystem(systemId, timeline, xlogPos, h);
    }

    /** psql -A -t -F '|' output of IDENTIFY_SYSTEM: {@code systemid|timeline|xlogpos|dbname}. */
    static SourceSystem parseIdentify(String output) {
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\\|");
            if (f.length >= 3 && f[0].matches("\\d+")) {
                try {
                    return new SourceSystem(Long.parseUnsignedLong(f[0]), Long.parseLong(f[1]), Lsn.parse(f[2]), List.of());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unreadable IDENTIFY_SYSTEM reply \"" + line.strip() + "\"", e);
                }
            }
        }
        throw new IllegalArgumentException("no IDENTIFY_SYSTEM reply in \"" + output.strip() + "\"");
    }

    /** psql -A -t -F '|' output of TIMELINE_HISTORY: {@code <file name>|<file content, possibly several lines>}. */
    static List<ForkPoint> parseHistoryReply(String output) {
        int bar = output.indexOf('|');
        if (bar < 0 || !output.substring(0, bar).strip().endsWith(".history")) {
            throw new IllegalArgumentException("no TIMELINE_HISTORY reply in \"" + output.strip() + "\"");
        }
        return ForkPoint.parseHistory(output.substring(bar + 1));
    }
}
