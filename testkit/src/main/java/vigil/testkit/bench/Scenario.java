package vigil.testkit.bench;

/**
 * One benchmark scenario. A scenario builds its own rig, runs {@code options.runs()} measurements
 * and returns what it saw; the bench writes summary.json, summary.md and chart.png from it. New
 * scenarios (node-crash, postgres-crash, switchover with a writer) implement this and register in
 * {@link Bench#SCENARIOS}.
 */
public interface Scenario {
    String name();

    /** One line for the usage text. */
    String description();

    Report run(BenchOptions options, Progress progress) throws Exception;

    /** Whether {@code bin/bench all} runs it; reproducers of known problems only run by name. */
    default boolean inAll() {
        return true;
    }

    /** Human progress lines while a scenario runs (stdout for the bench). */
    interface Progress {
        void line(String text);
    }
}
