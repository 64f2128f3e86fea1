package vigil.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;

/**
 * Rules for {@code node.hooks}: each path is an executable regular file that only its owner — root or the user
 * running vigild — can change. vigild runs hooks with its own rights (root, in production): a hook another user
 * could rewrite would hand that user root on every event.
 */
final class HookRules {
    static final String LIST = "node.hooks";

    private HookRules() {}

    static void check(Bound b, Problems problems) {
        String me = System.getProperty("user.name");
        for (int i = 0; i < b.listSize(LIST); i++) {
            String p = LIST + "[" + i + "].path";
            Path path = b.get(p, Path.class);
            if (path == null) {
                continue;
            }
            String error = problem(path, me);
            if (error != null) {
                problems.error(p, b.at(p), error);
            }
        }
    }

    /** Why vigild must not run {@code path}, or null. */
    static String problem(Path path, String runningAs) {
        if (!Files.exists(path)) {
            return "hook " + path + " does not exist — install it there (e.g. cp hooks/log-event " + path
                    + "; chmod 755 " + path + "), or remove the entry";
        }
        return executableProblem("hook", path, runningAs);
    }

    /**
     * Why vigild must not run the existing file {@code path} with its own rights, or null: it must be an executable
     * regular file that only root (or {@code runningAs}) can change, in a directory not everyone can write to.
     * {@code what} names it in the message ("hook", "fence agent").
     */
    static String executableProblem(String what, Path path, String runningAs) {
        try {
            PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class);
            if (!a.isRegularFile()) {
                return what + " " + path + " is not a regular file — point the path at the executable itself";
            }
            if (!Files.isExecutable(path)) {
                return what + " " + path + " is not executable — run: chmod 755 " + path;
            }
            String owner = a.owner().getName();
            if (!owner.equals("root") && !owner.equals(runningAs)) {
                return what + " " + path + " is owned by " + owner + ", not root — vigild would run another user's"
                        + " file with its own rights: run chown root: " + path;
            }
            if (a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
                return what + " " + path + " is writable by group or others — run: chmod go-w " + path;
            }
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null && Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_WRITE)) {
                return what + " " + path + " lies in " + dir + ", which anyone can write to (they could replace it) —"
                        + " move it to a directory only root can write, e.g. /usr/local/lib/vigil";
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot check " + what + " " + path + " (" + e.getMessage() + ") — keep it on a POSIX file system";
        }
    }
}
