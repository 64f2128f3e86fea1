package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Random packet loss inside one namespace with nftables: table {@code inet vigil_loss} drops
 * {@code numgen random mod 100 < N} on input and output. Rules live in the node's own namespace,
 * so they vanish with it.
 */
final class PacketLoss {
    private static final String TABLE = "vigil_loss";
    private final NetnsRig rig;
    private final String ns;

    PacketLoss(NetnsRig rig, String ns) {
        this.rig = rig;
        this.ns = ns;
    }

    void set(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("loss percent must be 0..100, got " + percent);
        }
        ensureNft();
        rig.exec(ns, "nft", "delete", "table", "inet", TABLE); // absent is fine
        if (percent == 0) {
            return;
        }
        // "mod 100 < 100" is out of nft's range: total loss is a plain drop
        String rule = percent == 100 ? "drop" : "numgen random mod 100 < " + percent + " drop";
        String script = "table inet " + TABLE + " {\n"
                + "  chain input { type filter hook input priority -10; policy accept; " + rule + "; }\n"
                + "  chain output { type filter hook output priority -10; policy accept; " + rule + "; }\n"
                + "}\n";
        try {
            Path f = rig.runDir().resolve("loss-" + ns + ".nft");
            Files.writeString(f, script);
            rig.exec(ns, "nft", "-f", f.toString()).orThrow("nft -f " + f + " in " + ns);
        } catch (IOException e) {
            throw new RigException("cannot write nft script: " + e.getMessage(), e);
        }
    }

    private static void ensureNft() {
        if (Shell.which("nft").isPresent()) {
            return;
        }
        if (ProcFs.euid() != 0) {
            throw new RigException("`nft` is missing and we are not root: apt-get install -y nftables");
        }
        java.time.Duration t = java.time.Duration.ofMinutes(5);
        if (!Shell.run(t, "apt-get", "install", "-y", "nftables").ok()) {
            Shell.run(t, "apt-get", "update");
            Shell.run(t, "apt-get", "install", "-y", "nftables").orThrow("apt-get install -y nftables");
        }
    }
}
