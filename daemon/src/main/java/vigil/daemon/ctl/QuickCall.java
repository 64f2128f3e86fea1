package vigil.daemon.ctl;

import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The read-only calls that monitoring and operators make most ({@code status}, {@code check}, {@code history},
 * {@code version}), run without picocli's model. picocli's classes are compiled for Java 5, older than class data
 * sharing can archive, so a call that builds a model loads and verifies some 170 of them from the jar every time (0.1
 * to 0.15 s of a 0.3 s call on the test rig). Here the command's own {@link Option} fields are filled from the command
 * line by their annotations (names, default values, types) and the same {@code call()} runs, so nothing of what a
 * command does is written twice.
 *
 * <p>Only the plainest command lines are taken: the global {@code --socket PATH} first, then the command, then its
 * flags and single values, each at most once, values that are plain words (an int: digits only). Anything else
 * ({@code --help}, an unknown option, a missing or odd value, a repeated option, positional words) returns null and
 * picocli parses it, with its errors.
 */
final class QuickCall {
    /** Where the call goes and where it prints, set on a command run here instead of picocli's fields. */
    record Context(Path socket, Duration timeout, PrintWriter out, PrintWriter err) {}

    private static final Map<String, Supplier<CtlCommand>> COMMANDS = Map.of("check", CheckCommand::new,
            "history", HistoryCommand::new, "version", VersionCommand::new);
    /** picocli's mark for an option without a default value. */
    private static final String NO_DEFAULT = "__no_default_value__";

    private QuickCall() {}

    /** The exit code of the call, or null when picocli must parse this command line. */
    static Integer run(String[] args, Function<String, String> env, PrintWriter out, PrintWriter err, Duration timeout) {
        int i = 0;
        Path socket = null;
        if (args.length > 1 && args[0].equals("--socket") && !args[1].isEmpty()) {
            socket = Path.of(args[1]);
            i = 2;
        } else if (args.length > 0 && args[0].startsWith("--socket=") && args[0].length() > "--socket=".length()) {
            socket = Path.of(args[0].substring("--socket=".length()));
            i = 1;
        }
        if (args.length <= i) return null;
        if (socket == null) {
            String fromEnv = env.apply(Vigilctl.SOCKET_ENV);
            socket = fromEnv == null || fromEnv.isBlank() ? Vigilctl.DEFAULT_SOCKET : Path.of(fromEnv);
        }
        Integer code = args[i].equals("status") ? status(args, i + 1, socket, timeout, out, err)
                : command(args, i, new Context(socket, timeout, out, err));
        out.flush();
        err.flush();
        return code;
    }

    /** {@code status} and {@code status --json}: its options check each other ({@code --all}, {@code --node}). */
    private static Integer status(String[] args, int from, Path socket, Duration timeout, PrintWriter out, PrintWriter err) {
        boolean json = args.length == from + 1 && args[from].equals("--json");
        if (args.length != from && !json) return null;
        return StatusCommand.show(socket, json, timeout, out, err);
    }

    @SuppressWarnings("unchecked") // every command in COMMANDS is a Callable<Integer>
    private static Integer command(String[] args, int at, Context context) {
        Supplier<CtlCommand> make = COMMANDS.get(args[at]);
        if (make == null) return null;
        CtlCommand command = make.get();
        try {
            if (!fill(command, args, at + 1)) return null;
        } catch (ReflectiveOperationException e) {
            return null; // picocli then fills the fields its own way
        }
        command.quick = context;
        try {
            return ((Callable<Integer>) command).call();
        } catch (Exception e) { // as picocli's path answers it (Vigilctl.run)
            if (command instanceof CheckCommand) {
                context.out().println(Check.unknown("internal error: " + e).line());
                return Check.UNKNOWN;
            }
            context.err().println("vigilctl: internal error: " + e);
            return Vigilctl.EXIT_DAEMON_ERROR;
        }
    }

    /**
     * Sets {@code command}'s options from {@code args[from..]} and their defaults; false when picocli must parse: also
     * when the command declares anything this does not read as picocli would (positional parameters, a required option,
     * an arity, a split, a negatable flag, a variable in a default), so a later option cannot be filled differently.
     */
    private static boolean fill(Object command, String[] args, int from) throws ReflectiveOperationException {
        Map<String, Field> byName = new HashMap<>();
        for (Class<?> c = command.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(picocli.CommandLine.Parameters.class)) return false;
                Option o = f.getAnnotation(Option.class);
                if (o == null) continue;
                if (o.required() || !o.arity().isEmpty() || !o.split().isEmpty() || o.negatable()
                        || o.defaultValue().contains("${")) {
                    return false;
                }
                if (!o.usageHelp()) for (String name : o.names()) byName.put(name, f);
                if (!o.defaultValue().equals(NO_DEFAULT) && !set(command, f, o.defaultValue())) return false;
            }
        }
        Set<Field> given = new HashSet<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            Field f = byName.get(name);
            if (f == null || !given.add(f)) return false;
            if (f.getType() == boolean.class) {
                if (eq >= 0) return false;
                f.setBoolean(command, true);
                continue;
            }
            String value = eq >= 0 ? arg.substring(eq + 1) : ++i < args.length ? args[i] : null;
            if (value == null || value.startsWith("-") || !set(command, f, value)) return false;
        }
        return true;
    }

    /** {@code value} into a String or int field; false for any other type, or an int that is not plain digits. */
    private static boolean set(Object command, Field f, String value) throws IllegalAccessException {
        if (f.getType() == String.class) {
            f.set(command, value);
        } else if (f.getType() == int.class && value.matches("[0-9]{1,9}")) {
            f.setInt(command, Integer.parseInt(value));
        } else {
            return false;
        }
        return true;
    }
}
