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

    /** Why vigild must not run the hook {@code path}, or null. */
    static String problem(Path path, String runningAs) {
        return problem("hook", path, runningAs, "install it there (e.g. cp hooks/log-event " + path + "; chmod 755 "
                + path + "), or remove the entry", "/usr/local/lib/vigil/hooks");
    }

    /** As {@link #problem(String, Path, String, String, String)} for a file known to exist (fence agents). */
    static String executableProblem(String noun, Path path, String runningAs) {
        return problem(noun, path, runningAs, "install it", "/usr/local/lib/vigil");
    }

    /**
     * Why vigild must not run the executable {@code path} with its own rights, or null; shared by hooks and service
     * action commands. {@code noun} names it in messages, {@code whenMissing} says what to do when it does not exist,
     * {@code safeDir} is a directory only root can write that it could move to.
     */
    static String problem(String noun, Path path, String runningAs, String whenMissing, String safeDir) {
        if (!Files.exists(path)) {
            return noun + " " + path + " does not exist — " + whenMissing;
        }
        try {
            PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class);
            if (!a.isRegularFile()) {
                return noun + " " + path + " is not a regular file — point it at the executable itself";
            }
            if (!Files.isExecutable(path)) {
                return noun + " " + path + " is not executable — run: chmod 755 " + path;
            }
            String owner = a.owner().getName();
            if (!owner.equals("root") && !owner.equals(runningAs)) {
                return noun + " " + path + " is owned by " + owner + ", not root — vigild would run another user's file"
                        + " with its own rights: run chown root: " + path;
            }
            if (a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                    || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
                return noun + " " + path + " is writable by group or others — run: chmod go-w " + path;
            }
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null && Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_WRITE)) {
                return noun + " " + path + " lies in " + dir + ", which anyone can write to (they could replace it) —"
                        + " move it to a directory only root can write, e.g. " + safeDir;
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot check " + noun + " " + path + " (" + e.getMessage() + ") — keep it on a POSIX file system";
        }
    }
}
