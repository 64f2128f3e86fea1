package vigil.daemon.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import vigil.config.ServiceActionSettings;
import vigil.config.ServiceActionSettings.Trigger;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Runs the configured service actions for each trigger, on a thread of its own; see the package documentation for the
 * guarantees. {@link #on} only queues; {@link #recent} tells what the last run of each action did, for
 * {@code vigilctl status}. The worker starts with the first action configured; without actions nothing runs.
 */
public final class ServiceActions implements AutoCloseable {
    static final int QUEUE = 64;
    private static final long JOIN_MS = 5_000;

    /**
     * The last run of one configured action.
     *
     * @param action   what ran, as the operator reads it ({@code restart apache2}, or the command)
     * @param source   where it is configured ({@code node.services[0]}, {@code node.service_preset maas-2})
     * @param vip      the VIP the trigger concerned; empty for promoted and demoted
     * @param exit     the last attempt's exit code; {@link BoundedCommand#KILLED} at a timeout or a stop,
     *                 {@link BoundedCommand#NOT_RUN} when it could not be started
     * @param attempts how many attempts ran
     * @param at       when it ended, epoch milliseconds
     * @param detail   empty when ok; else why: the timeout, a stop, or the last attempt's output (its tail)
     */
    public record Outcome(String action, String source, Trigger trigger, String vip, boolean ok, int exit, int attempts,
                          long at, long durationMs, String detail) {}

    /** {@code generation}: of the VIP's acquisitions and releases when asked for ({@link #moved}). */
    private record Job(Trigger trigger, String vip, long generation) {}

    private final List<ServiceActionSettings> actions;
    private final List<String> prefix;
    private final Log log;
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Outcome[] last;
    private final Thread worker;
    /** Null: nothing kept across restarts, a VIP kept from start runs its actions again. */
    private final AcquiredMarks marks;
    /** Per VIP, how many times it was acquired or released: a job's mark is written only if none came since. */
    private final Map<String, Long> moved = new HashMap<>();
    private volatile boolean closing;

    public ServiceActions(List<ServiceActionSettings> actions, Log log) {
        this(actions, List.of(), null, log);
    }

    /** With the marks of completed {@code acquired} actions kept in {@code stateDir} ({@link AcquiredMarks}). */
    public ServiceActions(List<ServiceActionSettings> actions, Path stateDir, Log log) {
        this(actions, List.of(), stateDir, log);
    }

    /** @param prefix put before every command (tests: a script that records argv instead of running systemctl) */
    public ServiceActions(List<ServiceActionSettings> actions, List<String> prefix, Log log) {
        this(actions, prefix, null, log);
    }

    ServiceActions(List<ServiceActionSettings> actions, List<String> prefix, Path stateDir, Log log) {
        this.actions = List.copyOf(actions);
        this.prefix = List.copyOf(prefix);
        this.marks = stateDir == null ? null : AcquiredMarks.open(stateDir);
        this.log = log;
        if (marks != null) {
            marks.onFailure(e -> log.event(Priority.WARNING, "service_marks_not_saved", "file",
                    stateDir.resolve(AcquiredMarks.FILE), "reason", "STATE_NOT_SAVED", "cause", String.valueOf(e.getMessage())));
        }
        this.last = new Outcome[this.actions.size()];
        this.worker = new Thread(this::work, "vigil-services");
        this.worker.setDaemon(true);
        if (!this.actions.isEmpty()) {
            worker.start();
        }
    }

    /**
     * Asks for the actions of {@code trigger} (on {@code vip}, for acquired and released; null or empty for the
     * others) and returns at once. They run after those asked for earlier have ended. When {@value #QUEUE} requests
     * already wait, this one is dropped and a warning is logged.
     */
    public void on(Trigger trigger, String vip) {
        String name = vip == null ? "" : vip;
        long generation = 0;
        if (trigger == Trigger.ACQUIRED || trigger == Trigger.RELEASED) {
            synchronized (moved) {
                generation = moved.merge(name, 1L, Long::sum);
                forget(name);
            }
        }
        if (closing || actions.stream().noneMatch(a -> a.matches(trigger, name))) {
            return;
        }
        if (!queue.offer(new Job(trigger, name, generation))) {
            log.event(Priority.WARNING, "service_action_dropped", "trigger", trigger.word(), "vip", name,
                    "reason", "SERVICE_QUEUE_FULL", "cause", QUEUE + " triggers already wait for service actions"
                            + " that run slower than they are asked for");
        }
    }

    /**
     * A VIP found on this host at start, kept while it reclaimed, is claimed in place: its {@code acquired} actions run
     * again unless every one of them completed on this host after it last acquired the VIP, and the same actions are
     * configured now ({@link AcquiredMarks}). A {@code vigilctl restart-daemon} on the primary then restarts none of
     * the services bound to an address that never left.
     */
    public void onKept(String vip) {
        if (marks != null && marks.matches(vip, AcquiredMarks.digest(actions, vip))) {
            log.event(Priority.NOTICE, "service_actions_skipped", "trigger", Trigger.ACQUIRED.word(), "vip", vip,
                    "reason", "KEPT_FROM_START", "cause", "the VIP never left this host and its acquired actions"
                            + " completed before vigild restarted, the same actions as configured now");
            return;
        }
        on(Trigger.ACQUIRED, vip);
    }

    /**
     * At start: the marks of every VIP but those found on the host and kept go. A VIP released at start (not kept)
     * never told the service actions, and a later claim of it must not find its old mark.
     */
    public void keepMarksOnlyOf(Collection<String> keptVips) {
        if (marks != null) marks.keepOnly(keptVips);
    }

    private void forget(String vip) {
        if (marks != null) marks.erase(vip);
    }

    /** Marks the VIP of {@code job}, unless it was acquired or released again since it was asked for. */
    private void remember(Job job) {
        String vip = job.vip();
        synchronized (moved) {
            if (moved.getOrDefault(vip, 0L) == job.generation()) marks.put(vip, AcquiredMarks.digest(actions, vip));
        }
    }

    /** The last outcome of each configured action that has run, in the configured order. */
    public List<Outcome> recent() {
        List<Outcome> out = new ArrayList<>();
        synchronized (last) {
            for (Outcome o : last) {
                if (o != null) out.add(o);
            }
        }
        return out;
    }

    /** The configured actions, in the order they run (the preset's first). */
    public List<ServiceActionSettings> actions() {
        return actions;
    }

    private void work() {
        try {
            while (!closing) {
                Job job = queue.poll(100, TimeUnit.MILLISECONDS);
                if (job == null) continue;
                boolean all = true;
                for (int i = 0; i < actions.size() && !closing; i++) {
                    if (actions.get(i).matches(job.trigger(), job.vip())) {
                        all &= run(i, job);
                    }
                }
                if (all && !closing && marks != null && job.trigger() == Trigger.ACQUIRED) remember(job);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs action {@code i} with its retries; returns early, with the stop logged, when the worker is interrupted.
     * Whether it succeeded.
     */
    private boolean run(int i, Job job) {
        ServiceActionSettings a = actions.get(i);
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(a.argv());
        long start = System.nanoTime();
        BoundedCommand.Ran r = null;
        int attempts = 0;
        boolean stopped = false;
        while (attempts <= a.retries()) {
            Duration wait = a.backoffBefore(attempts + 1);
            if (!wait.isZero()) {
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                    break;
                }
            }
            attempts++;
            r = BoundedCommand.run(argv, null, a.timeout());
            log.event(r.ok() ? Priority.INFO : Priority.WARNING, "command", "argv", argv, "exit", r.exit(),
                    "duration_ms", r.durationMs(), "attempt", attempts, "output", r.ok() || r.output().isBlank() ? null : r.output());
            if (r.ok()) break;
            if (r.interrupted()) {
                stopped = true;
                break;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        boolean ok = r != null && r.ok();
        String detail = ok ? "" : stopped ? "stopped: vigild is stopping"
                : r.timedOut() ? "killed after the timeout of " + a.timeout().toMillis() + " ms"
                : r.exit() == BoundedCommand.NOT_RUN ? r.output()
                : "exit " + r.exit() + (r.output().isBlank() ? "" : ": " + r.output());
        Outcome o = new Outcome(a.label(), a.source(), job.trigger(), job.vip(), ok,
                r == null ? BoundedCommand.KILLED : r.exit(), attempts, System.currentTimeMillis(), ms, detail);
        synchronized (last) {
            last[i] = o;
        }
        log.event(ok || stopped ? Priority.NOTICE : Priority.WARNING, "service_action", "trigger", job.trigger().word(),
                "vip", job.vip().isEmpty() ? null : job.vip(), "action", a.label(), "source", a.source(),
                "outcome", ok ? "ok" : stopped ? "stopped" : "failed", "attempts", attempts, "exit", o.exit(),
                "duration_ms", ms, "reason", ok ? null : stopped ? "STOPPING" : "SERVICE_ACTION_FAILED",
                "cause", ok ? null : detail);
        return ok;
    }

    /** Stops taking triggers, kills the action running (with what it started), drops those still queued. */
    @Override
    public void close() {
        closing = true;
        if (worker.isAlive()) {
            worker.interrupt();
            try {
                worker.join(JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int left = queue.size();
            queue.clear();
            if (left > 0) {
                log.event(Priority.WARNING, "service_action_dropped", "dropped_total", left, "reason", "STOPPING",
                        "cause", "vigild stopped before these triggers' service actions ran");
            }
        }
        if (marks != null) marks.close(); // the marks written so far reach the file
    }

    /** For tests: whether the worker thread is still alive. */
    boolean running() {
        return worker.isAlive();
    }
}
