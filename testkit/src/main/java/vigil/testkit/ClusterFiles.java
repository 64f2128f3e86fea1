package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The on-disk layout of one rig cluster: {@code /tmp/vigil-rig/<runid>/cluster.key} (0600) and per
 * node {@code nK/vigil.yaml}, {@code nK/state/}, {@code nK/admin.sock}, {@code nK/vigild.log}.
 */
final class ClusterFiles {
    private final NetnsRig rig;
    private final Timing timing;
    private final Path keyFile;

    ClusterFiles(NetnsRig rig, Timing timing) {
        this.rig = rig;
        this.timing = timing;
        this.keyFile = rig.runDir().resolve("cluster.key");
    }

    Path nodeDir(String node) {
        return rig.runDir().resolve(node);
    }

    Path config(String node) {
        return nodeDir(node).resolve("vigil.yaml");
    }

    Path adminSocket(String node) {
        return nodeDir(node).resolve("admin.sock");
    }

    Path log(String node) {
        return nodeDir(node).resolve("vigild.log");
    }

    Path stateDir(String node) {
        return nodeDir(node).resolve("state");
    }

    void write() {
        try {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.deleteIfExists(keyFile);
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
            for (String node : rig.nodes()) {
                Files.createDirectories(nodeDir(node));
                Files.writeString(config(node), yaml(node));
            }
        } catch (IOException e) {
            throw new RigException("cannot write cluster files under " + rig.runDir() + ": " + e.getMessage(), e);
        }
    }

    private String yaml(String self) {
        StringBuilder y = new StringBuilder();
        y.append("# written by vigil.testkit for rig run ").append(rig.runId()).append('\n');
        y.append("cluster:\n  name: rig-").append(rig.runId()).append("\n  nodes:\n");
        List<String> nodes = rig.nodes();
        for (String n : nodes) {
            y.append("    - name: ").append(n).append('\n');
            y.append("      address: ").append(rig.address(n)).append('\n');
            y.append("      port: 7800\n");
        }
        y.append("  timing:\n");
        y.append("    heartbeat_interval: ").append(timing.heartbeat().toMillis()).append("ms\n");
        y.append("    lease: ").append(timing.lease().toMillis()).append("ms\n");
        y.append("  security:\n    key_file: ").append(keyFile).append('\n');
        y.append("node:\n  name: ").append(self).append('\n');
        y.append("  state_dir: ").append(stateDir(self)).append('\n');
        y.append("  bind_address: ").append(rig.address(self)).append('\n');
        y.append("  admin:\n    socket: ").append(adminSocket(self)).append('\n');
        return y.toString();
    }
}
