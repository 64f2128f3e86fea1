package vigil.daemon.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Who may talk to the admin socket: root always; anyone else only if their user is a member of the
 * configured admin group — the group is their primary group in {@code /etc/passwd} or they are listed
 * in its {@code /etc/group} entry. Without a configured group, only root.
 *
 * <p>The socket file's mode (0660, group = admin group) already keeps others out; this check is the
 * second lock, and the one that still holds if the file mode is loosened by hand. It is pure: the
 * account databases are passed in as text, so the decision can be unit-tested without touching the
 * host's accounts. Membership is by user, not by the peer process's current groups, matching what an
 * operator sees in {@code id USER}.
 */
final class PeerPolicy {
    static final Path PASSWD = Path.of("/etc/passwd");
    static final Path GROUP = Path.of("/etc/group");

    /** The outcome for one peer, with a reason worth logging or sending back. */
    record Decision(boolean allowed, String reason) {
        static Decision allow(String reason) {
            return new Decision(true, reason);
        }

        static Decision refuse(String reason) {
            return new Decision(false, reason);
        }
    }

    private final Optional<String> groupName;
    private final OptionalInt groupGid;
    private final Set<String> groupMembers;
    private final Map<Integer, PasswdEntry> usersByUid;

    private record PasswdEntry(String name, int gid) {
    }

    private PeerPolicy(Optional<String> groupName, OptionalInt groupGid, Set<String> groupMembers,
                       Map<Integer, PasswdEntry> usersByUid) {
        this.groupName = groupName;
        this.groupGid = groupGid;
        this.groupMembers = groupMembers;
        this.usersByUid = usersByUid;
    }

    /** The policy for {@code group}, given the contents of {@code /etc/passwd} and {@code /etc/group}. */
    static PeerPolicy of(Optional<String> group, String passwdText, String groupText) {
        Map<Integer, PasswdEntry> users = new HashMap<>();
        for (String[] f : records(passwdText, 4)) {
            Integer uid = parseId(f[2]);
            Integer gid = parseId(f[3]);
            if (uid != null && gid != null) {
                users.putIfAbsent(uid, new PasswdEntry(f[0], gid)); // first entry wins, as getpwuid does
            }
        }
        OptionalInt gid = OptionalInt.empty();
        Set<String> members = Set.of();
        if (group.isPresent()) {
            for (String[] f : records(groupText, 3)) {
                Integer id = parseId(f[2]);
                if (f[0].equals(group.get()) && id != null) {
                    gid = OptionalInt.of(id);
                    members = f.length > 3 && !f[3].isBlank() ? Set.of(f[3].trim().split("\\s*,\\s*")) : Set.of();
                    break;
                }
            }
        }
        return new PeerPolicy(group, gid, members, users);
    }

    /** The policy for {@code group} as the host's account files say now. */
    static PeerPolicy load(Optional<String> group) throws IOException {
        String passwd = Files.readString(PASSWD, StandardCharsets.UTF_8);
        String groups = group.isPresent() ? Files.readString(GROUP, StandardCharsets.UTF_8) : "";
        return of(group, passwd, groups);
    }

    Decision decide(int uid) {
        if (uid == 0) {
            return Decision.allow("uid 0 (root)");
        }
        PasswdEntry user = usersByUid.get(uid);
        String who = "uid " + uid + (user == null ? "" : " (" + user.name() + ")");
        if (groupName.isEmpty()) {
            return Decision.refuse(who + " is not root, and no admin group is configured "
                    + "(only root may use the admin socket; set node.admin.group to allow a group)");
        }
        String group = groupName.get();
        if (groupGid.isEmpty()) {
            return Decision.refuse(who + " is not root, and the admin group \"" + group
                    + "\" does not exist in " + GROUP);
        }
        if (user == null) {
            return Decision.refuse(who + " has no entry in " + PASSWD + ", so it cannot be a member of \"" + group + "\"");
        }
        if (user.gid() == groupGid.getAsInt()) {
            return Decision.allow(who + " has primary group \"" + group + "\"");
        }
        if (groupMembers.contains(user.name())) {
            return Decision.allow(who + " is a member of \"" + group + "\"");
        }
        return Decision.refuse(who + " is neither root nor a member of the admin group \"" + group
                + "\" (add it with: usermod -aG " + group + " " + user.name() + ", then log in again; or use sudo)");
    }

    /** Non-comment records with at least {@code minFields} colon-separated fields. */
    private static Iterable<String[]> records(String text, int minFields) {
        return text.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#") && !line.startsWith("+") && !line.startsWith("-"))
                .map(line -> line.split(":", -1))
                .filter(f -> f.length >= minFields)
                .toList();
    }

    private static Integer parseId(String s) {
        try {
            int id = Integer.parseInt(s.trim());
            return id >= 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
