package vigil.daemon.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Unix user PostgreSQL runs as, seen from the daemon. Invariant: PostgreSQL's commands and files belong
 * to that user, never to root (the postmaster refuses to run as root and refuses a data directory it does
 * not own): as root we switch with {@code runuser -u USER --} and chown what we write; as that user we run
 * directly.
 */
final class OsAccount {
    final String user;
    private final boolean root;
    private final boolean same;

    private OsAccount(String user, boolean root, boolean same) {
        this.user = user;
        this.root = root;
        this.same = same;
    }

    static OsAccount of(String user) {
        boolean root;
        try {
            root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            root = "root".equals(System.getProperty("user.name"));
        }
        return new OsAccount(user, root, user.equals(System.getProperty("user.name")));
    }

    /** The command line that runs {@code argv} as this user. */
    List<String> wrap(List<String> argv) {
        if (same) {
            return argv;
        }
        if (!root) {
            throw new IllegalStateException("vigild runs as " + System.getProperty("user.name")
                    + " but PostgreSQL commands must run as " + user + " — run vigild as root or as " + user);
        }
        List<String> out = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        out.addAll(argv);
        return out;
    }

    /**
     * The command line that becomes {@code argv} as this user without a process in between (setpriv execs).
     * For the postmaster: runuser stays as its parent and mirrors job control (it stops itself when its child is
     * stopped and resumes only when continued itself), so after a SIGSTOP of the postmaster it could be left
     * stopped, unable to reap the postmaster when it exits.
     */
    List<String> exec(List<String> argv) {
        if (same) {
            return argv;
        }
        if (!root) {
            throw new IllegalStateException("vigild runs as " + System.getProperty("user.name")
                    + " but PostgreSQL must run as " + user + " — run vigild as root or as " + user);
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups",
                "--"));
        out.addAll(argv);
        return out;
    }

    /** Gives {@code p} to this user (a no-op unless we are root and another user). */
    void own(Path p) {
        if (!root || same) {
            return;
        }
        try {
            Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot chown " + p + " to " + user, e);
        }
    }
}
