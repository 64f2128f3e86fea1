package vigil.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the rig started inside a namespace. {@code ip netns exec} execs the target, so
 * {@link #pid()} is the target's own PID (for a wrapper script that does not exec, the JVM is a
 * descendant: {@link #javaPid()} finds it).
 */
public final class NodeProcess {
    private final String namespace;
    private final List<String> argv;
    private final Process process;
    private final Path logFile;

    NodeProcess(String namespace, List<String> argv, Process process, Path logFile) {
        this.namespace = namespace;
        this.argv = List.copyOf(argv);
        this.process = process;
        this.logFile = logFile;
    }

    public String namespace() {
        return namespace;
    }

    public List<String> argv() {
        return argv;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for exit; returns the exit code, or -1 if still running after {@code timeout}. */
    public int waitForExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The PID of the java process: this one if it is java, else its first java descendant, else {@link #pid()}. */
    public long javaPid() {
        if (isJava(process.toHandle())) {
            return pid();
        }
        return process.descendants().filter(NodeProcess::isJava).mapToLong(ProcessHandle::pid).findFirst()
                .orElse(pid());
    }

    private static boolean isJava(ProcessHandle h) {
        return ProcFs.comm(h.pid()).map(c -> c.equals("java")).orElse(false);
    }

    /** SIGKILL to the whole tree, descendants first (so none is orphaned to a slow reaper), then waits. */
    void killTree() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(10));
    }

    Process process() {
        return process;
    }

    @Override
    public String toString() {
        return "pid " + pid() + " in " + namespace + ": " + String.join(" ", argv);
    }
}
