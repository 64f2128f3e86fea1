package vigil.daemon.ctl;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every vigilctl command has: {@code vigilctl} itself (the socket, the timeout), its own command line (its output
 * and error streams, for messages that name the command) and {@code -h/--help}. Picocli fills these fields in the
 * subclass's instances as it does its own.
 */
abstract class CtlCommand {
    @ParentCommand
    Vigilctl parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
