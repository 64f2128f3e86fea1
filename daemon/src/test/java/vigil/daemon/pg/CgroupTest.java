package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding vigild's own cgroup2 group from /proc/self/mountinfo and /proc/self/cgroup, on the hosts we know. */
class CgroupTest {
    private static final String UNIFIED = "29 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";
    private static final String HYBRID = "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw";
    private static final String V1 = "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu";
    private static final String ROOT = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw";

    @Test
    void debianWithSystemdPutsTheGroupUnderTheServicesGroup() throws IOException {
        Cgroup.Location own = Cgroup.locate(List.of(ROOT, UNIFIED), List.of("0::/system.slice/vigild.service"));
        assertEquals(Path.of("/sys/fs/cgroup/system.slice/vigild.service"), own.dir());
        Cgroup.Location g = own.child("vigil-postgres-n1");
        assertEquals(Path.of("/sys/fs/cgroup/system.slice/vigild.service/vigil-postgres-n1"), g.dir());
        assertEquals("/system.slice/vigild.service/vigil-postgres-n1", g.path());
    }

    @Test
    void aHybridHostUsesTheUnifiedMountAndTheRootGroup() throws IOException {
        Cgroup.Location own = Cgroup.locate(List.of(ROOT, V1, HYBRID),
                List.of("4:memory:/x", "1:cpu:/", "0::/"));
        assertEquals(Path.of("/sys/fs/cgroup/unified"), own.dir());
        assertEquals("/vigil-postgres-n2", own.child("vigil-postgres-n2").path());
    }

    @Test
    void aMountOfASubtreeIsResolvedBelowItsRoot() throws IOException {
        String sub = "50 22 0:26 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw";
        assertEquals(Path.of("/sys/fs/cgroup/init.scope"),
                Cgroup.locate(List.of(sub), List.of("0::/lxc/c1/init.scope")).dir());
        IOException e = assertThrows(IOException.class, () -> Cgroup.locate(List.of(sub), List.of("0::/other")));
        assertTrue(e.getMessage().contains("no cgroup2 mount shows"), e.getMessage());
    }

    @Test
    void escapedMountPointsAreDecoded() throws IOException {
        String spaced = "50 22 0:26 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw";
        assertEquals(Path.of("/mnt/cg two/a"), Cgroup.locate(List.of(spaced), List.of("0::/a")).dir());
    }

    @Test
    void cgroupV1OnlyIsSaidPlainly() {
        IOException e = assertThrows(IOException.class, () -> Cgroup.locate(List.of(ROOT, V1), List.of("1:cpu:/", "0::/")));
        assertTrue(e.getMessage().contains("cgroup2 is not mounted"), e.getMessage());
        e = assertThrows(IOException.class, () -> Cgroup.locate(List.of(HYBRID), List.of("1:cpu:/")));
        assertTrue(e.getMessage().contains("no 0:: line"), e.getMessage());
    }
}
