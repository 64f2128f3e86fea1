package vigil.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What differs between the configuration a daemon runs with and its file now, section by section, and what a reload
 * can apply without a restart ({@code vigilctl reload}). Only sections whose parts can be swapped while the node runs
 * are applied ({@link #APPLIED_LIVE}); the others need {@code systemctl restart vigild} (which, for a change of the
 * cluster section, must happen on every node: nodes whose cluster sections differ refuse each other's messages).
 *
 * @param applicable sections changed that a reload applies
 * @param restart    sections changed that need a restart of this node's vigild
 * @param cluster    the cluster section changed: every node's vigild must be restarted with the same file
 */
public record ConfigChanges(List<String> applicable, List<String> restart, boolean cluster) {
    /** The sections a running daemon can take anew (the client rules alone of node.postgres: pg_hba.conf is reloadable). */
    public static final List<String> APPLIED_LIVE = List.of("node.hooks", "node.http", "node.postgres.client_access");

    public ConfigChanges {
        applicable = List.copyOf(applicable);
        restart = List.copyOf(restart);
    }

    public boolean none() {
        return applicable.isEmpty() && restart.isEmpty() && !cluster;
    }

    public static ConfigChanges between(VigilConfig running, VigilConfig file) {
        NodeSettings a = running.node();
        NodeSettings b = file.node();
        List<String> changed = new ArrayList<>();
        if (!a.name().equals(b.name())) changed.add("node.name");
        if (!a.stateDir().equals(b.stateDir())) changed.add("node.state_dir");
        if (!a.bindAddress().equals(b.bindAddress())) changed.add("node.bind_address");
        if (!a.adminSocket().equals(b.adminSocket()) || !a.adminGroup().equals(b.adminGroup())) changed.add("node.admin");
        if (!a.http().equals(b.http())) changed.add("node.http");
        // the client rules alone are rewritten into pg_hba.conf and reloaded; anything else of the section needs a start
        if (!a.postgres().map(p -> p.withClientAccess(List.of())).equals(b.postgres().map(p -> p.withClientAccess(List.of())))) {
            changed.add("node.postgres");
        } else if (!a.postgres().equals(b.postgres())) {
            changed.add("node.postgres.client_access");
        }
        if (!a.hooks().equals(b.hooks())) changed.add("node.hooks");
        if (!a.services().equals(b.services())) changed.add("node.services");
        if (!a.track().equals(b.track())) changed.add("node.track");
        if (!Objects.equals(a.watchdog(), b.watchdog())) changed.add("node.watchdog");
        List<String> applicable = changed.stream().filter(APPLIED_LIVE::contains).toList();
        List<String> restart = changed.stream().filter(c -> !APPLIED_LIVE.contains(c)).toList();
        return new ConfigChanges(applicable, restart, !running.clusterHash().equals(file.clusterHash()));
    }
}
