package vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * Rules that look at the machine: the security choice and key file, the state directory and the admin
 * group. They describe the world at load time; the daemon still handles files changing later.
 */
final class HostRules {
    private static final String SEC = "cluster.security";
    private static final String KEY = SEC + ".key_file";
    private static final String INSECURE = SEC + ".insecure";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final int MAX_KEY_FILE_BYTES = 4096;

    private HostRules() {}

    static void check(Bound b, Problems problems, Host host) {
        security(b, problems);
        stateDir(b, problems);
        adminGroup(b, problems, host.groupFile());
    }

    static String generateHint(Path p) {
        return "generate one with: umask 077; head -c 32 /dev/urandom | base64 > " + p;
    }

    private static void security(Bound b, Problems problems) {
        if (b.isInvalid(KEY) || b.isInvalid(INSECURE) || b.isInvalid(SEC) || b.isInvalid("cluster")) {
            return;
        }
        Path key = b.get(KEY, Path.class);
        boolean insecure = Boolean.TRUE.equals(b.get(INSECURE));
        if (key == null && !insecure) {
            problems.error(KEY, b.at(SEC), "no key_file given: peer traffic must be encrypted — "
                    + generateHint(Path.of("/etc/vigil/cluster.key")) + ", copy it to every node and set "
                    + "cluster.security.key_file to its path (or set insecure: true on an isolated test network)");
        } else if (key != null && insecure) {
            problems.error(INSECURE, b.at(INSECURE), "insecure: true cannot be combined with key_file"
                    + " — remove insecure to encrypt with the key, or remove key_file");
        } else if (insecure) {
            problems.warning(INSECURE, b.at(INSECURE), "peer traffic is plaintext (insecure: true)"
                    + " — use a key_file unless this is an isolated test network");
        } else {
            String error = keyFileProblem(key);
            if (error != null) {
                problems.error(KEY, b.at(KEY), error);
            }
        }
    }

    /** Why this key file is unusable, or null if it is a private file holding a valid AES key. */
    static String keyFileProblem(Path p) {
        if (!Files.exists(p)) {
            return "key file " + p + " does not exist — " + generateHint(p);
        }
        if (!Files.isRegularFile(p)) {
            return "key file " + p + " is not a regular file — point key_file at the key itself; " + generateHint(p);
        }
        if (!Files.isReadable(p)) {
            return "key file " + p + " is not readable by this user — make it owned by the user running vigild (chown)";
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!OWNER_ONLY.containsAll(perms)) {
                return "key file " + p + " is accessible by group or others (mode " + PosixFilePermissions.toString(perms)
                        + ") — run: chmod 600 " + p;
            }
        } catch (UnsupportedOperationException | IOException e) {
            return "cannot check the permissions of key file " + p + " (" + e.getMessage()
                    + ") — keep it on a POSIX file system with mode 600";
        }
        try {
            if (Files.size(p) > MAX_KEY_FILE_BYTES) {
                return "key file " + p + " is too large to be a key — " + generateHint(p);
            }
            String text = Files.readString(p, StandardCharsets.US_ASCII).trim();
            if (text.contains("\n")) {
                return "key file " + p + " has more than one line — it must hold one line of base64; " + generateHint(p);
            }
            int n = Base64.getDecoder().decode(text).length;
            if (n != 16 && n != 24 && n != 32) {
                return "key file " + p + " holds " + n + " bytes — it must hold the base64 of 16, 24 or 32 bytes; "
                        + generateHint(p);
            }
            return null;
        } catch (IllegalArgumentException | IOException e) {
            return "key file " + p + " is not valid base64 — " + generateHint(p);
        }
    }

    private static void stateDir(Bound b, Problems problems) {
        Path dir = b.get("node.state_dir", Path.class);
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            problems.error("node.state_dir", b.at("node.state_dir"), "state_dir " + dir
                    + " exists but is not a directory — remove it or choose another path");
        }
    }

    private static void adminGroup(Bound b, Problems problems, Path groupFile) {
        String group = b.get("node.admin.group", String.class);
        if (group == null) {
            return;
        }
        try {
            boolean exists = Files.readAllLines(groupFile, StandardCharsets.UTF_8).stream()
                    .anyMatch(line -> line.startsWith(group + ":"));
            if (!exists) {
                problems.error("node.admin.group", b.at("node.admin.group"), "group \"" + group
                        + "\" does not exist (not in " + groupFile + ") — create it with: groupadd " + group
                        + ", or remove node.admin.group to allow root only");
            }
        } catch (IOException e) {
            problems.error("node.admin.group", b.at("node.admin.group"), "cannot read " + groupFile
                    + " to check group \"" + group + "\": " + e.getMessage() + " — make it readable");
        }
    }
}
