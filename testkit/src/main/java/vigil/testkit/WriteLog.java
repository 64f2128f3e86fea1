package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the {@link Writer} saw, read back from its CSV files: every write attempt and every watcher
 * answer, on the daemons' monotonic clock. Unavailability is measured between acknowledgements
 * (the end of a successful INSERT), never from attempt starts.
 */
public final class WriteLog {
    /** One INSERT attempt: {@code ok} means the commit was acknowledged to the client. */
    public record Attempt(double startMs, double endMs, boolean ok, long seq, String host, String error) {
    }

    /** A stretch without acknowledged writes: from the last ack before it to the first ack after it. */
    public record Gap(double fromMs, double toMs) {
        public double seconds() {
            return (toMs - fromMs) / 1000.0;
        }
    }

    /** One watcher answer: P primary, S standby, U unreachable. */
    public record Answer(double monoMs, String host, char answer) {
    }

    private final List<Attempt> attempts;
    private final List<Answer> answers;

    WriteLog(List<Attempt> attempts, List<Answer> answers) {
        this.attempts = List.copyOf(attempts);
        this.answers = List.copyOf(answers);
    }

    /** Parses DIR/writes.csv and DIR/watch.csv (a missing watch file reads as no answers). */
    public static WriteLog read(Path dir) {
        List<Attempt> attempts = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        try {
            for (String l : lines(dir.resolve("writes.csv"))) {
                String[] f = l.split(",", 6);
                if (f.length < 5 || !f[0].matches("[0-9.]+")) {
                    continue; // header, or a line cut short by a kill
                }
                attempts.add(new Attempt(Double.parseDouble(f[0]), Double.parseDouble(f[1]), f[2].equals("1"),
                        Long.parseLong(f[3]), f[4], f.length > 5 ? f[5] : ""));
            }
            for (String l : lines(dir.resolve("watch.csv"))) {
                String[] f = l.split(",");
                if (f.length == 3 && f[0].matches("[0-9.]+") && f[2].length() == 1) {
                    answers.add(new Answer(Double.parseDouble(f[0]), f[1], f[2].charAt(0)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new RigException("cannot read the writer's log in " + dir + ": " + e.getMessage(), e);
        }
        attempts.sort(Comparator.comparingDouble(Attempt::endMs));
        answers.sort(Comparator.comparingDouble(Answer::monoMs));
        return new WriteLog(attempts, answers);
    }

    private static List<String> lines(Path f) throws IOException {
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    public List<Attempt> attempts() {
        return attempts;
    }

    public List<Attempt> acks() {
        return attempts.stream().filter(Attempt::ok).toList();
    }

    public Set<Long> ackedSeqs() {
        Set<Long> s = new TreeSet<>();
        acks().forEach(a -> s.add(a.seq()));
        return s;
    }

    /** Acknowledged seqs that {@code rows} (the final primary's table) lacks: lost acknowledged writes. */
    public Set<Long> lost(Set<Long> rows) {
        Set<Long> lost = new TreeSet<>(ackedSeqs());
        lost.removeAll(rows);
        return lost;
    }

    public Optional<Attempt> lastAck() {
        List<Attempt> a = acks();
        return a.isEmpty() ? Optional.empty() : Optional.of(a.get(a.size() - 1));
    }

    /** Acknowledgements that ended after {@code monoMs}. */
    public long acksAfter(double monoMs) {
        return acks().stream().filter(a -> a.endMs() > monoMs).count();
    }

    /**
     * The longest stretch without acknowledgements that ends after {@code faultMs} and starts at most at
     * {@code untilMs}: the outage the fault caused (the largest gap between consecutive acks that ends
     * after the fault). Empty when no ack came after the fault.
     */
    public Optional<Gap> outageAfter(double faultMs, double untilMs) {
        return gapsAfter(faultMs, untilMs, 0).stream().max(Comparator.comparingDouble(Gap::seconds));
    }

    /** Every gap between consecutive acks longer than {@code minMs} that ends after {@code faultMs}. */
    public List<Gap> gapsAfter(double faultMs, double untilMs, double minMs) {
        List<Gap> gaps = new ArrayList<>();
        List<Attempt> a = acks();
        for (int i = 1; i < a.size(); i++) {
            double from = a.get(i - 1).endMs();
            double to = a.get(i).endMs();
            if (to > faultMs && from <= untilMs && to - from > minMs) {
                gaps.add(new Gap(from, to));
            }
        }
        return gaps;
    }

    /** Hosts that acknowledged writes after {@code monoMs}, in order of first appearance. */
    public Set<String> hostsAfter(double monoMs) {
        Set<String> s = new LinkedHashSet<>();
        acks().stream().filter(a -> a.endMs() > monoMs).forEach(a -> s.add(a.host()));
        return s;
    }

    /**
     * Stretches in which two or more hosts answered "primary" at once, as the watcher saw it: a host's
     * state is its latest answer if younger than {@code freshMs}. Counts entries into such a stretch.
     */
    public int splitBrainEvents(double fromMs, double toMs, double freshMs) {
        Map<String, Answer> last = new HashMap<>();
        int events = 0;
        boolean inSplit = false;
        for (Answer a : answers) {
            if (a.monoMs() < fromMs || a.monoMs() > toMs) {
                continue;
            }
            last.put(a.host(), a);
            long primaries = last.values().stream()
                    .filter(x -> x.answer() == 'P' && a.monoMs() - x.monoMs() <= freshMs).count();
            if (primaries >= 2 && !inSplit) {
                events++;
            }
            inSplit = primaries >= 2;
        }
        return events;
    }

    /**
     * When a primary was first back after {@code faultMs}, as the watcher saw it: the first "primary" answer
     * from a host that had answered otherwise (standby, or nothing) after the fault. The server side of the
     * outage, without the writer's reconnect costs; empty when no such answer came.
     */
    public Optional<Double> primaryBackAt(double faultMs) {
        Set<String> interrupted = new java.util.HashSet<>();
        for (Answer a : answers) {
            if (a.monoMs() < faultMs) {
                continue;
            }
            if (a.answer() != 'P') {
                interrupted.add(a.host());
            } else if (interrupted.contains(a.host())) {
                return Optional.of(a.monoMs());
            }
        }
        return Optional.empty();
    }

    public List<Answer> answers() {
        return answers;
    }
}
