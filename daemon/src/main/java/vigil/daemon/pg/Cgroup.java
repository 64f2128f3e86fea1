package vigil.daemon.pg;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One cgroup v2 group: its directory under the cgroup2 mount, and the kernel files that act on every process in
 * it at once (cgroup.kill, cgroup.freeze) or tell whether any is left (cgroup.events: {@code populated 0} once no
 * live process is left; zombies do not count). Invariant: the directory is only ever created, never removed while
 * populated (rmdir of a populated group fails with EBUSY anyway), so PostgreSQL keeps its group across vigild
 * restarts. A process joins by writing its own PID into cgroup.procs; its children are born in the group.
 */
final class Cgroup {
    /** Where the group is: its directory, and its path as /proc/PID/cgroup names it ("/system.slice/x.service"). */
    record Location(Path dir, String path) {
        Location child(String name) {
            return new Location(dir.resolve(name), path.equals("/") ? "/" + name : path + "/" + name);
        }
    }

    final Location where;

    private Cgroup(Location where) {
        this.where = where;
    }

    /**
     * The cgroup2 group this process runs in, from /proc/self/mountinfo (a mount of type cgroup2) and
     * /proc/self/cgroup (the {@code 0::/path} line); throws {@link IOException} saying why there is none.
     */
    static Location own() throws IOException {
        return locate(Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8),
                Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8));
    }

    static Location locate(List<String> mountinfo, List<String> selfCgroup) throws IOException {
        String path = null;
        for (String line : selfCgroup) {
            if (line.startsWith("0::")) {
                path = line.substring(3).replace(" (deleted)", "").trim();
            }
        }
        if (path == null || !path.startsWith("/")) {
            throw new IOException("this process is in no cgroup2 group (no 0:: line in /proc/self/cgroup)");
        }
        boolean mounted = false;
        for (String line : mountinfo) {
            // "36 25 0:30 <root> <mount point> <options> [optional fields] - <fstype> <source> <super options>"
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] right = line.substring(dash + 3).split(" ");
            String[] left = line.substring(0, dash).split(" ");
            if (right.length < 1 || !right[0].equals("cgroup2") || left.length < 5) continue;
            mounted = true;
            String root = unescape(left[3]);
            Path mount = Path.of(unescape(left[4]));
            if (root.equals("/")) {
                return new Location(path.equals("/") ? mount : mount.resolve(path.substring(1)), path);
            }
            if (path.equals(root) || path.startsWith(root + "/")) {
                String rest = path.substring(root.length());
                return new Location(rest.isEmpty() ? mount : mount.resolve(rest.substring(1)), path);
            }
        }
        throw new IOException(mounted ? "no cgroup2 mount shows this process's group " + path
                : "cgroup2 is not mounted (no cgroup2 line in /proc/self/mountinfo)");
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Opens the group at {@code where}, creating its directory when missing (an existing one is reused as it is). */
    static Cgroup open(Location where) throws IOException {
        if (!Files.isDirectory(where.dir())) {
            try {
                Files.createDirectory(where.dir());
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another thread or a previous vigild made it meanwhile: reuse it
            }
        }
        for (String f : List.of("cgroup.procs", "cgroup.events", "cgroup.kill")) {
            if (!Files.exists(where.dir().resolve(f))) {
                throw new IOException(where.dir().resolve(f) + " does not exist" + (f.equals("cgroup.kill")
                        ? " (cgroup.kill needs Linux 5.14 or newer)" : ""));
            }
        }
        return new Cgroup(where);
    }

    /**
     * argv that writes its own PID into cgroup.procs and then execs {@code argv}: the process is in the group before
     * it runs anything of {@code argv}, so everything it forks is born inside. If the write fails it exits 2 and
     * says why on stderr, and {@code argv} never runs.
     */
    List<String> joinAndExec(List<String> argv) {
        List<String> out = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                where.dir().resolve("cgroup.procs").toString()));
        out.addAll(argv);
        return out;
    }

    /** Proves that a process can join the group (permissions, "no internal processes", threaded groups...). */
    void tryJoin() throws IOException {
        Process p = new ProcessBuilder(joinAndExec(List.of("true"))).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("joining " + this + " did not finish within 5 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("a process cannot join " + this + ": "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while trying to join " + this);
        }
    }

    /** The PIDs in the group now (zombies are not listed). */
    List<Long> procs() throws IOException {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(where.dir().resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
            if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
        }
        return out;
    }

    /** Whether a live process is left in the group (or a sub-group); true when that cannot be read. */
    boolean populated() {
        return !event("populated").equals("0");
    }

    /** Whether every process in the group is frozen (cgroup.events {@code frozen 1}). */
    boolean frozen() {
        return event("frozen").equals("1");
    }

    /** Whether a freeze was asked for (cgroup.freeze holds 1), reached or not. */
    boolean freezeRequested() {
        try {
            return Files.readString(where.dir().resolve("cgroup.freeze"), StandardCharsets.US_ASCII).trim().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    private String event(String key) {
        String events = ProcessTree.readSmall(where.dir().resolve("cgroup.events").toString());
        if (events != null) {
            for (String line : events.split("\n")) {
                if (line.startsWith(key + " ")) return line.substring(key.length() + 1).trim();
            }
        }
        return "?"; // unreadable: callers treat "?" as the unsafe answer
    }

    /** SIGKILL to every process in the group and its sub-groups, in one write (the kernel also kills forks in flight). */
    void kill() throws IOException {
        write("cgroup.kill", "1");
    }

    /** Asks the kernel to freeze (or thaw) every process in the group; takes effect asynchronously. */
    void freeze(boolean frozen) throws IOException {
        write("cgroup.freeze", frozen ? "1" : "0");
    }

    /** Whether {@code pid} is in this group, by its /proc/PID/cgroup {@code 0::} line. */
    boolean contains(long pid) {
        String cgroups = ProcessTree.readSmall("/proc/" + pid + "/cgroup");
        if (cgroups != null) {
            for (String line : cgroups.split("\n")) {
                if (line.startsWith("0::")) {
                    String p = line.substring(3).trim();
                    return p.equals(where.path()) || p.startsWith(where.path() + "/");
                }
            }
        }
        return false; // gone: not in the group
    }

    /** Removes the directory when no process is left in it; false when it is populated or already gone. */
    boolean removeIfEmpty() {
        try {
            Files.delete(where.dir());
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false; // EBUSY: populated, or has sub-groups
        }
    }

    /** One write(2) of {@code value}: the kernel acts on it when it is written, not on close. */
    private void write(String file, String value) throws IOException {
        try (FileOutputStream out = new FileOutputStream(where.dir().resolve(file).toFile())) {
            out.write(value.getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Override
    public String toString() {
        return where.dir().toString();
    }
}
