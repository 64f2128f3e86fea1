package vigil.daemon.hook;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import vigil.config.HookSettings;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Runs the configured hooks for every event logged at notice or above; see the package documentation for the
 * guarantees. Installed as the {@link Log}'s tap; its own events ({@code hook}, {@code hook_dropped}) go to the log
 * only, so a failing hook cannot feed itself.
 */
public final class Hooks implements Log.Tap, AutoCloseable {
    static final int QUEUE = 256;
    private static final Duration KILL_WAIT = Duration.ofSeconds(2);
    private static final long DROP_LOG_INTERVAL_MS = 60_000;

    private final List<HookSettings> hooks;
    private final String node;
    private final String cluster;
    private final Log log;
    private final BlockingQueue<HookEvent> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread worker;
    private final Object lock = new Object();
    private long sequence;
    private String role = "";
    private String term = "";
    private long dropped;
    private boolean droppedLogged;
    private long droppedLoggedAt;
    private volatile boolean closing;

    public Hooks(List<HookSettings> hooks, String node, String cluster, Log log) {
        this.hooks = List.copyOf(hooks);
        this.node = node;
        this.cluster = cluster;
        this.log = log;
        this.worker = new Thread(this::work, "vigil-hooks");
        this.worker.setDaemon(true);
    }

    /** Starts the worker and installs this as the log's tap; without hooks it does nothing. */
    public Hooks start() {
        if (!hooks.isEmpty()) {
            worker.start();
            log.tap(this);
        }
        return this;
    }

    @Override
    public void event(Priority priority, String event, Map<String, String> fields, String line) {
        HookEvent e;
        synchronized (lock) {
            track(event, fields);
            if (closing || event.startsWith("hook") || priority.compareTo(Priority.NOTICE) > 0) return;
            e = new HookEvent(++sequence, event, Log.severity(priority), fields, line, role, term, Instant.now().toString());
            if (queue.offer(e)) return;
            dropped++;
            long now = System.nanoTime() / 1_000_000;
            if (droppedLogged && now - droppedLoggedAt < DROP_LOG_INTERVAL_MS) return;
            droppedLogged = true;
            droppedLoggedAt = now;
        }
        log.event(Priority.WARNING, "hook_dropped", "vigil_event", event, "sequence", e.sequence(), "dropped_total", dropped,
                "reason", "HOOK_QUEUE_FULL", "cause", QUEUE + " events wait for hooks that run slower than events come");
    }

    /** The role and term as the events tell them: a role change names "from→to", decisions name role and term. */
    private void track(String event, Map<String, String> fields) {
        String r = fields.get("role");
        if (r != null && !r.isEmpty()) {
            int arrow = r.indexOf('→');
            if (event.equals("role") && arrow >= 0) role = r.substring(arrow + 1);
            else if (arrow < 0) role = r;
        }
        String t = fields.get("term");
        if (t != null && t.matches("\\d+")) term = t;
    }

    private void work() {
        try {
            while (true) {
                HookEvent e = queue.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) {
                    if (closing) return;
                    continue;
                }
                for (HookSettings h : hooks) {
                    run(h, e);
                    if (Thread.currentThread().isInterrupted()) return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(HookSettings h, HookEvent e) {
        BoundedCommand.Ran r = BoundedCommand.run(List.of(h.path().toString()),
                HookEnvironment.of(e, node, cluster, h.recipient().orElse("")), h.timeout());
        String note = r.timedOut() ? "killed after the timeout of " + h.timeout().toMillis() + " ms"
                : r.interrupted() ? "killed: vigild is stopping"
                : r.exit() == BoundedCommand.NOT_RUN ? r.output() : "";
        log.event(r.ok() ? Priority.INFO : Priority.WARNING, "hook", "argv", List.of(h.path().toString()),
                "vigil_event", e.event(), "sequence", e.sequence(), "exit", r.exit(), "duration_ms", r.durationMs(),
                "reason", r.ok() ? null : r.exit() == BoundedCommand.KILLED ? "HOOK_TIMEOUT"
                        : r.exit() == BoundedCommand.NOT_RUN ? "HOOK_NOT_RUN" : "HOOK_FAILED",
                "cause", note.isEmpty() ? null : note,
                "output", r.ok() || r.output().isBlank() || r.exit() == BoundedCommand.NOT_RUN ? null : r.output());
    }

    /**
     * Stops taking events; hooks of events already queued go on running for at most {@code grace}, then the one
     * running is killed and the rest are dropped.
     */
    public void close(Duration grace) {
        synchronized (lock) {
            closing = true;
        }
        log.untap(this);
        if (!worker.isAlive()) return;
        try {
            worker.join(Math.max(1, grace.toMillis()));
            if (worker.isAlive()) {
                int left = queue.size();
                worker.interrupt();
                worker.join(KILL_WAIT.toMillis() + 1000);
                if (left > 0) log.event(Priority.WARNING, "hook_dropped", "dropped_total", left, "reason", "STOPPING",
                        "cause", "vigild stopped before these events' hooks ran");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
