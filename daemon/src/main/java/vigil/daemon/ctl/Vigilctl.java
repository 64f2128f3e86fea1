package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code vigilctl}: the operator's command line for the local vigild, over the admin socket.
 * Exit codes follow sysexits where one fits: 0 ok, 1 the daemon answered with an error, 2 usage,
 * 69 (EX_UNAVAILABLE) the daemon could not be reached.
 */
@Command(name = "vigilctl",
        sortOptions = false,
        header = "Query and control the local vigil high-availability daemon (vigild).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "vigilctl [--socket PATH] COMMAND [OPTIONS]",
        descriptionHeading = "%nDescription:%n",
        description = {
            "vigilctl talks to the vigild running on this host through its admin socket (a Unix stream socket; "
                    + "newline-delimited JSON). It shows the daemon's own view of the cluster: which node leads, in which "
                    + "term, whether this node sees a quorum of the configured voters, and how each node looks from here (status), or "
                    + "the same reduced to a monitoring plugin's one line and exit code (check); what it decided lately "
                    + "and why (history); and the versions of both (version); with --node, another node's view or history. "
                    + "It resets a node's failcount (cleanup [NODE]), switches the primary role over (switchover), "
                    + "orders a failover the cluster cannot do by itself (failover --to NODE), restarts PostgreSQL (restart-pg [--rolling]) or vigild itself without a failover (restart-daemon), reads the configuration again (reload), tells what "
                    + "a failure would do (simulate), pauses and resumes, bans and unbans, runs a node's fence agents "
                    + "(fence) and passes an operator's sworn \"this node is off\" to the leader (confirm-down). What "
                    + "only the leader does is forwarded to it from any node.",
            "",
            "Only root and members of the admin group (node.admin.group in the vigil configuration) may use the socket; "
                    + "the daemon checks the caller's credentials when it connects.",
        },
        optionListHeading = "%nOptions:%n",
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success",
            " 1:vigild answered with an error (its code and message are printed on stderr), or its reply was malformed",
            " 2:usage error (unknown command or option, missing argument)",
            "69:vigild unreachable: the socket is missing, refuses connections, or no reply came within 5 s",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  vigilctl status",
            "      Who leads, the quorum, and every node as this daemon sees it.",
            "  vigilctl status --json | jq -r .leader",
            "      The same view as one JSON document, for scripts.",
            "  vigilctl check",
            "      One line and exit 0-3 for Nagios, Icinga or Sensu (vigilctl check --help).",
            "  vigilctl history -n 50",
            "      This daemon's last 50 decisions and side effects, with their reasons.",
            "  vigilctl cleanup",
            "      Reset this node's failcount once the cause of its restarts is dealt with.",
            "  vigilctl version",
            "      The versions of vigilctl and of the running vigild.",
            "  vigilctl fence n1 --action status",
            "      Ask n1's fence agents whether its host is on.",
            "  vigilctl confirm-down n1 --yes",
            "      n1 is off: let the leader's waiting failover go on (given on any node).",
            "  vigilctl switchover --to n2 --wait",
            "      Hand the primary role to n2 without losing a commit.",
            "  vigilctl failover --to n3 --accept-data-loss",
            "      The primary is lost and no standby is a candidate: promote n3 anyway (it says how much may be lost).",
            "  vigilctl restart-daemon --wait",
            "      Restart this node's vigild (an upgrade) while PostgreSQL keeps serving: no failover.",
            "  vigilctl restart-pg --rolling",
            "      Restart PostgreSQL everywhere (a minor update): standbys first, then a switchover.",
            "  VIGIL_SOCKET=/run/vigil/n2.sock vigilctl status",
            "  vigilctl --socket /run/vigil/n2.sock status",
            "      Ask a daemon that listens on another socket.",
            "",
            "Files:",
            "  /run/vigil/admin.sock",
            "      Default admin socket (node.admin.socket in the vigil configuration).",
            "",
            "Environment:",
            "  VIGIL_SOCKET",
            "      Admin socket to use when --socket is not given.",
            "",
            "See also: vigild --help, systemctl status vigild, journalctl -u vigild",
        })
public final class Vigilctl implements Callable<Integer> {
    /**
     * Every command, in the order help lists them ({@link #commandLine} adds them). A method, not a constant: a call
     * that needs no model ({@link QuickCall}) does not load picocli's help command by initialising this class.
     */
    static java.util.List<Class<?>> commands() {
        return java.util.List.of(StatusCommand.class, CheckCommand.class, HistoryCommand.class, VersionCommand.class,
                CleanupCommand.class, SwitchoverCommand.class, FailoverCommand.class, RestartPgCommand.class,
                RestartDaemonCommand.class, ReloadCommand.class, SimulateCommand.class, PauseCommand.class,
                ResumeCommand.class, BanCommand.class, UnbanCommand.class, FenceCommand.class, ConfirmDownCommand.class,
                CommandLine.HelpCommand.class);
    }

    public static final int EXIT_OK = 0;
    public static final int EXIT_DAEMON_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNAVAILABLE = 69;
    public static final Path DEFAULT_SOCKET = Path.of("/run/vigil/admin.sock");
    public static final String SOCKET_ENV = "VIGIL_SOCKET";

    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "Admin socket of the vigild to talk to. Default: $VIGIL_SOCKET if set, else /run/vigil/admin.sock.")
    Path socketOption;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final Function<String, String> env;
    private final Duration timeout;

    Vigilctl(Function<String, String> env, Duration timeout) {
        this.env = env;
        this.timeout = timeout;
    }

    public static void main(String[] args) {
        if ("1".equals(System.getenv("VIGILCTL_CDS_TRAINING"))) CdsTraining.exercise();
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = run(args, System::getenv, out, err, AdminClient.DEFAULT_TIMEOUT);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. Nothing here calls System.exit. */
    static int run(String[] args, Function<String, String> env, PrintWriter out, PrintWriter err, Duration timeout) {
        Integer quick = QuickCall.run(args, env, out, err, timeout);
        if (quick != null) return quick;
        CommandLine cli = commandLine(new Vigilctl(env, timeout), commandWord(args));
        cli.setOut(out);
        cli.setErr(err);
        // A monitoring plugin answers every failure of its own with UNKNOWN (3), on standard output: never 1 or 2,
        // which a monitoring system reads as WARNING or CRITICAL of the cluster.
        boolean check = java.util.Arrays.asList(args).contains("check");
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine failed = e.getCommandLine();
            if (check) {
                out.println(Check.unknown("usage: " + e.getMessage()).line());
                out.flush();
                return Check.UNKNOWN;
            }
            failed.getErr().println("vigilctl: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, failed.getErr());
            failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, failed, ignored) -> {
            if (check) {
                out.println(Check.unknown(e instanceof CommandLine.ParameterException ? "usage: " + e.getMessage()
                        : "internal error: " + e).line());
                out.flush();
                return Check.UNKNOWN;
            }
            failed.getErr().println("vigilctl: internal error: " + e);
            return EXIT_DAEMON_ERROR;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * picocli's model of vigilctl with the one command {@code word} names, or with every command when it names none of
     * them (null, {@code help}, a mistake: the list, help and suggestions need them all). Building the model of a command
     * reads all its annotations, and of every command it was most of a call's time; a call pays for its own only.
     * Parsing, checks and errors are picocli's either way.
     */
    static CommandLine commandLine(Vigilctl root, String word) {
        CommandLine cli = new CommandLine(root);
        java.util.List<Class<?>> commands = commands();
        for (Class<?> c : commands) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(word)) {
                return cli.addSubcommand(c);
            }
        }
        for (Class<?> c : commands) cli.addSubcommand(c);
        return cli;
    }

    /** The command a command line names: its first word after the global option {@code --socket PATH}; else null. */
    static String commandWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--socket")) i++;
            else if (!args[i].startsWith("-")) return args[i];
            else if (!args[i].startsWith("--socket=")) return null; // --help, or a mistake: picocli says what
        }
        return null;
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (e.g. status)");
    }

    /** --socket, else $VIGIL_SOCKET, else the default path. */
    Path socket() {
        if (socketOption != null) {
            if (socketOption.toString().isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--socket needs a path, e.g. --socket " + DEFAULT_SOCKET);
            }
            return socketOption;
        }
        String fromEnv = env.apply(SOCKET_ENV);
        return fromEnv == null || fromEnv.isBlank() ? DEFAULT_SOCKET : Path.of(fromEnv);
    }

    Duration timeout() {
        return timeout;
    }
}
