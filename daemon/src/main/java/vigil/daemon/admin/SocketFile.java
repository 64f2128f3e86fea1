package vigil.daemon.admin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Objects;
import java.util.Optional;

/**
 * The admin socket's file system side. The socket is bound under a temporary name next to its final
 * path, given its mode and group there, and only then renamed into place: a client can never find the
 * final path with the wrong permissions, and a half-started daemon never hides a stale one.
 */
final class SocketFile {
    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final String TEMP_SUFFIX = ".new";

    private SocketFile() {
    }

    /** Where to bind before the rename; checks both names fit in a socket address. */
    static Path tempPathFor(Path socket) {
        Path temp = socket.resolveSibling("." + socket.getFileName() + TEMP_SUFFIX);
        int bytes = temp.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            int max = MAX_PATH_BYTES - (bytes - socket.toString().getBytes(StandardCharsets.UTF_8).length);
            throw new IllegalArgumentException("admin socket path " + socket + " is too long: Unix socket paths are limited, "
                    + "and vigil needs it to be at most " + max + " bytes; choose a shorter node.admin.socket");
        }
        return temp;
    }

    /** Creates the parent directory (mode 0755) if it does not exist. */
    static void ensureParent(Path socket) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        try {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new IOException("cannot create the admin socket directory " + parent + ": " + e, e);
        }
    }

    /**
     * Makes room at {@code socket}: a socket nobody listens on (left by a daemon that died) is removed;
     * a socket someone answers on means another vigild is running, and a non-socket file is not ours to
     * delete — both are errors naming the path and what to do.
     */
    static void clearStale(Path socket) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        }
        if (!attrs.isOther()) {
            throw new IOException(socket + " exists and is not a socket; refusing to replace it "
                    + "(remove it or set node.admin.socket to another path)");
        }
        if (answers(socket)) {
            throw new IOException("another vigild is already listening on the admin socket " + socket
                    + " (check `systemctl status vigild`; stop that daemon or set node.admin.socket to another path)");
        }
        Files.deleteIfExists(socket);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException refused) {
            return false;
        }
    }

    /** Mode 0660 and the admin group if one is given, else 0600 (root only). */
    static void secure(Path file, Optional<String> group) throws IOException {
        if (group.isPresent()) {
            GroupPrincipal principal;
            try {
                principal = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get());
            } catch (UserPrincipalNotFoundException e) {
                throw new IOException("admin group \"" + group.get() + "\" does not exist (create it with "
                        + "`groupadd --system " + group.get() + "` or remove node.admin.group)", e);
            }
            try {
                Objects.requireNonNull(Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS))
                        .setGroup(principal);
            } catch (IOException e) {
                throw new IOException("cannot give the admin socket to group \"" + group.get() + "\" (vigild must run as root "
                        + "or as a member of that group): " + e, e);
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        } else {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** Atomically puts the bound socket in place; returns its identity so close() removes only ours. */
    static Object publish(Path temp, Path socket) throws IOException {
        Files.move(temp, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return fileKey(socket);
    }

    /** Deletes {@code socket} if it is still the file we published. */
    static void removeIfOurs(Path socket, Object key) {
        try {
            if (key != null && key.equals(fileKey(socket))) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException gone) {
            // already removed (or replaced and unreadable): nothing of ours left to delete
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }
}
