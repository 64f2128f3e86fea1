package vigil.daemon.ctl;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every vigilctl command has: {@code vigilctl} itself (the socket, the timeout), its own command line (its output
 * and error streams, for messages that name the command) and {@code -h/--help}. Picocli fills these fields in the
 * subclass's instances as it does its own; a command run by {@link QuickCall} has {@link #quick} instead, and reads
 * them through {@link #socket()}, {@link #timeout()}, {@link #out()} and {@link #err()}.
 */
abstract class CtlCommand {
    @ParentCommand
    Vigilctl parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** Set when {@link QuickCall} runs this command without picocli; null otherwise. */
    QuickCall.Context quick;

    java.nio.file.Path socket() {
        return quick != null ? quick.socket() : parent.socket();
    }

    java.time.Duration timeout() {
        return quick != null ? quick.timeout() : parent.timeout();
    }

    java.io.PrintWriter out() {
        return quick != null ? quick.out() : spec.commandLine().getOut();
    }

    java.io.PrintWriter err() {
        return quick != null ? quick.err() : spec.commandLine().getErr();
    }
}
