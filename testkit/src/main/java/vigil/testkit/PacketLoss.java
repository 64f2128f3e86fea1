package vigil.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Random packet loss inside one namespace with nftables: a table drops {@code numgen random mod 100 < N} on input
 * and output, of every packet ({@code inet vigil_loss}) or only of those to and from the given peer addresses
 * ({@code inet vigil_peer_loss}: the client's traffic passes). Rules live in the node's own namespace, so they vanish
 * with it.
 */
final class PacketLoss {
    private final NetnsRig rig;
    private final String ns;
    private final String table;
    private final String inMatch;
    private final String outMatch;

    /** Loss on every packet of the namespace. */
    PacketLoss(NetnsRig rig, String ns) {
        this.rig = rig;
        this.ns = ns;
        this.table = "vigil_loss";
        this.inMatch = "";
        this.outMatch = "";
    }

    /** Loss only on packets from and to {@code peers}. */
    PacketLoss(NetnsRig rig, String ns, java.util.List<String> peers) {
        this.rig = rig;
        this.ns = ns;
        this.table = "vigil_peer_loss";
        String set = "{ " + String.join(", ", peers) + " } ";
        this.inMatch = "ip saddr " + set;
        this.outMatch = "ip daddr " + set;
    }

    void set(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("loss percent must be 0..100, got " + percent);
        }
        ensureNft();
        rig.exec(ns, "nft", "delete", "table", "inet", table); // absent is fine
        if (percent == 0) {
            return;
        }
        // "mod 100 < 100" is out of nft's range: total loss is a plain drop
        String rule = percent == 100 ? "drop" : "numgen random mod 100 < " + percent + " drop";
        String script = "table inet " + table + " {\n"
                + "  chain input { type filter hook input priority -10; policy accept; " + inMatch + rule + "; }\n"
                + "  chain output { type filter hook output priority -10; policy accept; " + outMatch + rule + "; }\n"
                + "}\n";
        try {
            Path f = rig.runDir().resolve(table + "-" + ns + ".nft");
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
