package vigil.testkit.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vigil.testkit.NetnsRig;
import vigil.testkit.Timing;

/**
 * {@code bin/bench SCENARIO|all [--runs N] [--out DIR] [--seconds S] [--settle S]}: runs scenarios on the
 * namespace rig against real vigild processes and writes DIR/summary.json, summary.md, chart.png.
 */
public final class Bench {
    /** The idle scenarios' default wait before measuring ({@link BenchOptions#idleSettleSeconds}). */
    static final int DEFAULT_SETTLE_S = 60;
    static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new LeaderCrash(), new LeaderIsolation(), new Idle(false), new Idle(true), new NodeCrash(),
                new PostgresCrash(), new Switchover(), new RollingRestart(), new RestartDaemon(), new FailoverTo(), new NodeCrashSync(), new NodeCrashKillFirst(), new NodeCrashHttpLoad(), new Partition(), new LinkTrouble.Flapping(),
                new LinkTrouble.Lossy())) {
            SCENARIOS.put(s.name(), s);
        }
    }

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        String which = args[0];
        int runs = 10;
        Path out = null;
        int seconds = 60;
        int settle = DEFAULT_SETTLE_S;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                return usageError("option " + a + " needs a value");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--runs" -> runs = Integer.parseInt(v);
                    case "--out" -> out = Path.of(v);
                    case "--seconds" -> seconds = Integer.parseInt(v);
                    case "--settle" -> settle = Integer.parseInt(v);
                    default -> {
                        return usageError("unknown option " + a);
                    }
                }
            } catch (NumberFormatException e) {
                return usageError(a + " needs a whole number, got \"" + v + "\"");
            }
        }
        if (runs < 1 || seconds < 1) {
            return usageError("--runs and --seconds must be >= 1");
        }
        if (settle < 0) {
            return usageError("--settle must be >= 0");
        }
        List<Scenario> chosen = new ArrayList<>();
        if (which.equals("all")) {
            SCENARIOS.values().stream().filter(Scenario::inAll).forEach(chosen::add);
        } else if (SCENARIOS.containsKey(which)) {
            chosen.add(SCENARIOS.get(which));
        } else {
            return usageError("unknown scenario \"" + which + "\"");
        }
        var problem = NetnsRig.precondition();
        if (problem.isPresent()) {
            System.err.println("bench: " + problem.get());
            return 1;
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        int failed = 0;
        for (Scenario s : chosen) {
            Path dir = out == null ? Path.of(System.getProperty("vigil.benchOut", "bench-out"), s.name() + "-" + stamp)
                    : chosen.size() > 1 ? out.resolve(s.name()) : out;
            BenchOptions o = new BenchOptions(runs, dir, seconds, settle, Timing.DEFAULT);
            System.out.println("== " + s.name() + ": " + s.description());
            Report r;
            try {
                r = s.run(o, line -> System.out.println("  " + line));
            } catch (RuntimeException e) {
                System.out.println("  " + s.name() + " FAILED: " + e.getMessage());
                failed++;
                continue;
            }
            String md = ReportWriter.write(r, o, dir);
            System.out.println();
            System.out.println(md);
            System.out.println("wrote " + dir.toAbsolutePath() + "/{summary.json,summary.md,chart.png}");
            Object failedRuns = r.metrics().get("failed_runs");
            if (failedRuns instanceof Integer n && n > 0) {
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static int usageError(String msg) {
        System.err.println("bench: " + msg + "\n" + usage());
        return 2;
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: bin/bench SCENARIO|all [--runs N] [--out DIR] [--seconds S] [--settle S]\n"
                + "  --runs N     measurements per failover scenario (default 10)\n"
                + "  --out DIR    output directory (default bench-out/SCENARIO-TIMESTAMP; with all: DIR/SCENARIO)\n"
                + "  --seconds S  idle measurement window (default 60)\n"
                + "  --settle S   idle scenarios: wait S seconds after the cluster is stable before measuring (default "
                + DEFAULT_SETTLE_S + "; the JIT's warm-up lasts about 6 minutes)\nscenarios:\n");
        SCENARIOS.values().forEach(s -> sb.append(String.format("  %-22s %s%s%n", s.name(), s.description(),
                s.inAll() ? "" : " [not in all]")));
        return sb.toString();
    }
}
