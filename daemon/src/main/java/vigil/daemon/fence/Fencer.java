package vigil.daemon.fence;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import vigil.config.FenceDevice;
import vigil.config.NodeSpec;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Powers other nodes off (or reboots them, or asks their power state) through the fence devices configured under
 * {@code cluster.nodes[].fence}, level by level: every device of a level must succeed, else the next level is tried,
 * and the first level that succeeds ends the request.
 *
 * <p>Invariants: {@link #off} reports {@code provenOff} only when every device of one level exited 0 to {@code off}
 * and then answered OFF to {@code status} (exit 2, fence-agents' "off"): an agent that claims success but whose
 * device still reports ON proves nothing, and a reboot never proves anything (the node comes back). Nothing an
 * agent started outlives the request: each call is cut at its device's timeout and at the request's deadline,
 * whichever comes first, and killed with every process it started. A password reaches the agent on stdin only: its
 * argv is its path alone, and neither stdin nor the password appears in a log line or a result.
 *
 * <p>Blocking, and safe to call from any thread (a request for one target waits for another request for the same
 * target; different targets run in parallel); an interrupt kills the running agent and ends the request.
 */
public final class Fencer {
    /** fence-agents' exit status of {@code status} for a device that is off (0 is on, anything else an error). */
    static final int STATUS_OFF = 2;
    private final Map<String, TreeMap<Integer, List<FenceDevice>>> levels = new HashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Log log;
    private final Map<String, String> env;

    /** @param nodes every member, as in {@code cluster.nodes} (the same on every node) */
    public Fencer(List<NodeSpec> nodes, Log log) {
        this.log = log;
        for (NodeSpec n : nodes) {
            TreeMap<Integer, List<FenceDevice>> byLevel = new TreeMap<>();
            for (FenceDevice d : n.fence()) {
                byLevel.computeIfAbsent(d.level(), l -> new ArrayList<>()).add(d); // file order within a level
            }
            levels.put(n.name(), byLevel);
        }
        Map<String, String> e = new HashMap<>(System.getenv());
        e.put("LC_ALL", "C"); // agents print "Status: OFF" in English; their exit status is what counts anyway
        this.env = Map.copyOf(e);
    }

    /** Whether any fence device is configured for {@code target}. */
    public boolean configured(String target) {
        return !levels.getOrDefault(target, new TreeMap<>()).isEmpty();
    }

    /** Powers {@code target} off and confirms it with {@code status}; the only request whose result is a proof. */
    public FenceResult off(String target, Duration deadline) {
        return request(target, "off", deadline);
    }

    /** Power-cycles {@code target} (for operators): never a proof, the node comes back. */
    public FenceResult reboot(String target, Duration deadline) {
        return request(target, "reboot", deadline);
    }

    /** Asks the devices of the first level that answers whether {@code target} is on; its reason starts ON, OFF or UNKNOWN. */
    public FenceResult status(String target, Duration deadline) {
        return request(target, "status", deadline);
    }

    private FenceResult request(String target, String action, Duration deadline) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        FenceResult r;
        synchronized (locks.computeIfAbsent(target, t -> new Object())) {
            r = levels(target, action, end, deadline);
        }
        boolean ok = switch (action) {
            case "off" -> r.provenOff();
            case "reboot" -> r.reason().startsWith("rebooted");
            default -> !r.reason().startsWith("UNKNOWN");
        };
        String code = ok ? null : configured(target) ? "FENCE_FAILED" : "FENCE_NOT_CONFIGURED";
        log.event(ok ? Priority.NOTICE : Priority.ERR, "fence", "target", target, "action", action,
                "proven_off", r.provenOff(), "reason", code, "detail", r.reason(),
                "duration_ms", (System.nanoTime() - start) / 1_000_000);
        return r;
    }

    private FenceResult levels(String target, String action, long end, Duration deadline) {
        TreeMap<Integer, List<FenceDevice>> byLevel = levels.getOrDefault(target, new TreeMap<>());
        List<DeviceRun> runs = new ArrayList<>();
        if (byLevel.isEmpty()) {
            String why = levels.containsKey(target) ? "no fence devices configured for " + target
                    + " (cluster.nodes[].fence)" : target + " is not a member of cluster.nodes";
            return new FenceResult(false, target, action, runs, (action.equals("status") ? "UNKNOWN: " : "") + why);
        }
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Integer, List<FenceDevice>> level : byLevel.entrySet()) {
            Attempt a = new Attempt(target, level.getKey(), end, deadline, runs);
            String failure = switch (action) {
                case "off" -> a.offConfirmed(level.getValue());
                case "reboot" -> a.reboot(level.getValue());
                default -> a.status(level.getValue());
            };
            String devices = level.getValue().stream().map(FenceDevice::label).collect(Collectors.joining(" + "));
            if (failure == null) {
                String how = switch (action) {
                    case "off" -> "off, confirmed by status OFF";
                    case "reboot" -> "rebooted";
                    default -> a.anyOn ? "ON" : "OFF";
                };
                String done = action.equals("reboot") ? "rebooted by level " + level.getKey() + " (" + devices + ")"
                        : action.equals("off") ? target + " " + how + ", level " + level.getKey() + " (" + devices + ")"
                        : how + ": " + target + " per level " + level.getKey() + " (" + devices + ")";
                String before = failures.isEmpty() ? "" : " after " + String.join("; ", failures);
                return new FenceResult(action.equals("off"), target, action, runs, done + before);
            }
            failures.add("level " + level.getKey() + ": " + failure);
            if (a.stopped) {
                break;
            }
        }
        String why = "every level failed: " + String.join("; ", failures);
        return new FenceResult(false, target, action, runs, (action.equals("status") ? "UNKNOWN: " : "") + why);
    }

    /** The calls of one level; each method returns null when the level did it, else why not. */
    private final class Attempt {
        final String target;
        final int level;
        final long end;
        final Duration deadline;
        final List<DeviceRun> runs;
        /** The deadline passed or the thread was interrupted: no further level is tried. */
        boolean stopped;
        boolean anyOn;

        Attempt(String target, int level, long end, Duration deadline, List<DeviceRun> runs) {
            this.target = target;
            this.level = level;
            this.end = end;
            this.deadline = deadline;
            this.runs = runs;
        }

        String offConfirmed(List<FenceDevice> devices) {
            for (FenceDevice d : devices) {
                DeviceRun r = call(d, "off");
                if (r == null || r.exit() != 0) return failed(d, r, "off");
            }
            for (FenceDevice d : devices) {
                DeviceRun r = call(d, "status");
                if (r == null || r.exit() != STATUS_OFF) {
                    return r != null && r.exit() == 0 ? d.label() + " off exited 0 but status answered ON (exit 0)"
                            : failed(d, r, "status");
                }
            }
            return null;
        }

        /** One device: its own reboot. Several (e.g. two power supplies): all off, then all on, as one cycle. */
        String reboot(List<FenceDevice> devices) {
            if (devices.size() == 1) {
                DeviceRun r = call(devices.get(0), "reboot");
                return r != null && r.exit() == 0 ? null : failed(devices.get(0), r, "reboot");
            }
            for (String action : List.of("off", "on")) {
                for (FenceDevice d : devices) {
                    DeviceRun r = call(d, action);
                    if (r == null || r.exit() != 0) return failed(d, r, action);
                }
            }
            return null;
        }

        String status(List<FenceDevice> devices) {
            for (FenceDevice d : devices) {
                DeviceRun r = call(d, "status");
                if (r == null || r.exit() != 0 && r.exit() != STATUS_OFF) return failed(d, r, "status");
                anyOn |= r.exit() == 0;
            }
            return null;
        }

        private String failed(FenceDevice d, DeviceRun r, String action) {
            if (r == null) {
                return stoppedWhy(d, action);
            }
            String exit = switch (r.exit()) {
                case BoundedCommand.KILLED -> stopped ? "was killed at the deadline of " + deadline.toMillis() + " ms"
                        : "was killed after its timeout of " + d.timeout().toMillis() + " ms";
                case BoundedCommand.NOT_RUN -> "could not run";
                default -> "exited " + r.exit();
            };
            String last = lastLine(r.output());
            return d.label() + " " + action + " " + exit + (last.isEmpty() ? "" : " (" + last + ")");
        }

        private String stoppedWhy(FenceDevice d, String action) {
            return Thread.currentThread().isInterrupted() ? "interrupted before " + d.label() + " " + action
                    : "the deadline of " + deadline.toMillis() + " ms passed before " + d.label() + " " + action;
        }

        /** Runs one agent call within what is left of the deadline; null when nothing is left (or interrupted). */
        private DeviceRun call(FenceDevice d, String action) {
            long left = end - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                stopped = true;
                return null;
            }
            boolean cutByDeadline = left < d.timeout().toNanos();
            Duration timeout = cutByDeadline ? Duration.ofNanos(left) : d.timeout();
            List<String> argv = List.of(d.agent().toString());
            AgentInput in;
            BoundedCommand.Ran ran;
            try {
                in = AgentInput.of(d, action, target);
                ran = BoundedCommand.run(argv, env, timeout, in.bytes());
            } catch (IOException e) { // the password file: its name is shown, never its content
                in = null;
                ran = new BoundedCommand.Ran(BoundedCommand.NOT_RUN, "cannot read password_file "
                        + d.passwordFile().orElseThrow() + ": " + e.getMessage(), false, false, 0);
            }
            String output = in == null ? ran.output() : in.mask(ran.output());
            DeviceRun r = new DeviceRun(level, d.label(), d.agent().toString(), action, ran.exit(), ran.durationMs(), output);
            runs.add(r);
            if (ran.interrupted() || ran.timedOut() && cutByDeadline) {
                stopped = true;
            }
            boolean expected = ran.exit() == 0 || action.equals("status") && ran.exit() == STATUS_OFF;
            log.event(expected ? Priority.INFO : Priority.WARNING, "command", "argv", argv, "target", target,
                    "level", level, "action", action, "exit", ran.exit(), "duration_ms", ran.durationMs(),
                    "output", output.isEmpty() ? null : output);
            return r;
        }
    }

    private static String lastLine(String output) {
        String s = output.strip();
        String last = s.substring(s.lastIndexOf('\n') + 1).strip();
        return last.length() > 160 ? last.substring(0, 160) + "..." : last;
    }
}
