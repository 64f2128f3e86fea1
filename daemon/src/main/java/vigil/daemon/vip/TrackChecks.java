package vigil.daemon.vip;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import vigil.config.TrackSettings;
import vigil.core.node.Input;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Runs this node's tracked checks ({@code node.track}) every {@code track_interval} on a thread of its own and tells
 * the loop the verdict when it changes ({@link Input.Tracked}). A round passes when every check exits 0 within its
 * timeout, checked in order, stopping at the first failure. The first verdict after start takes one round; after
 * that it turns to failing after {@code fall} failed rounds in a row and back after {@code rise} passed ones.
 * Each change is logged once ({@code track_check}); a steady verdict is not repeated.
 */
public final class TrackChecks implements AutoCloseable {
    private final TrackSettings settings;
    private final Consumer<Input> loop;
    private final LongSupplier clock;
    private final Log log;
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-track");
        t.setDaemon(true);
        return t;
    });
    private Boolean verdict; // null before the first round
    private int streak;      // rounds in a row that disagree with the verdict
    private volatile String last = "no round yet";

    public TrackChecks(TrackSettings settings, Consumer<Input> loop, LongSupplier clock, Log log) {
        this.settings = settings;
        this.loop = loop;
        this.clock = clock;
        this.log = log;
    }

    public void start() {
        long every = settings.interval().toMillis();
        runner.scheduleWithFixedDelay(this::round, 0, every, TimeUnit.MILLISECONDS);
    }

    /** The last round's outcome, for status: "pass", or the failing check and how it failed. */
    public String last() {
        return last;
    }

    private void round() {
        String failure = null;
        for (TrackSettings.Check c : settings.checks()) {
            BoundedCommand.Ran r = BoundedCommand.run(c.argv(), null, settings.timeout());
            if (!r.ok()) {
                failure = c.label() + ": " + (r.timedOut() ? "no answer within " + settings.timeout().toMillis() + " ms"
                        : "exit " + r.exit()) + (r.output().isBlank() ? "" : " (" + r.output().strip() + ")");
                break;
            }
        }
        boolean pass = failure == null;
        last = pass ? "pass" : failure;
        decide(pass, failure);
    }

    private void decide(boolean pass, String failure) {
        if (verdict != null && verdict == pass) {
            streak = 0;
            return;
        }
        streak++;
        if (verdict != null && streak < (pass ? settings.rise() : settings.fall())) return;
        verdict = pass;
        streak = 0;
        String detail = pass ? "" : failure;
        log.event(pass ? Priority.NOTICE : Priority.WARNING, "track_check", "pass", pass, "reason",
                pass ? "TRACK_CHECKS_PASS" : "TRACK_CHECK_FAILED", "cause", pass ? "every check passes" : failure,
                "checks", List.copyOf(settings.checks().stream().map(TrackSettings.Check::label).toList()));
        loop.accept(new Input.Tracked(clock.getAsLong(), pass, detail));
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
