package vigil.daemon.pg;

import java.time.Duration;
import java.util.List;

/**
 * One external command that ran to its end or was killed at its timeout. Invariant: neither {@code argv} nor
 * {@code outputTail} contains a secret (the replication password is masked as {@value CommandRunner#MASK}),
 * so a result may be logged or shown as it is.
 *
 * @param exitCode the process's exit status; {@value CommandRunner#TIMED_OUT} when vigil killed it at its
 *                 timeout, {@value CommandRunner#NOT_STARTED} when it could not be started
 * @param outputTail the last ~2 KiB of its combined stdout and stderr
 */
public record CommandResult(List<String> argv, int exitCode, Duration duration, String outputTail) {
    public CommandResult {
        argv = List.copyOf(argv);
    }

    public boolean ok() {
        return exitCode == 0;
    }

    /** A step that needed no command (e.g. initPrimary on a data directory that is already initialised). */
    static CommandResult nothingToDo(String why) {
        return new CommandResult(List.of(), 0, Duration.ZERO, why);
    }

    /** A step that failed inside vigil before or instead of running a command. */
    static CommandResult failed(List<String> argv, String why) {
        return new CommandResult(argv, CommandRunner.NOT_STARTED, Duration.ZERO, why);
    }
}
