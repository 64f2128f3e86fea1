package vigil.daemon.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** PostgreSQL's cgroup name: stable for one data directory, never shared by two on one host. */
class GroupNameTest {
    @Test
    void twoDataDirectoriesOfTheSameNodeNameAndPortGetTwoGroups() {
        String a = Supervised.groupName("n2", 5432, Path.of("/tmp/vigil-rig/aaaaaa/n2/pg/data"));
        String b = Supervised.groupName("n2", 5432, Path.of("/tmp/vigil-rig/bbbbbb/n2/pg/data"));
        assertNotEquals(a, b);
        assertEquals(a, Supervised.groupName("n2", 5432, Path.of("/tmp/vigil-rig/aaaaaa/n2/pg/../pg/data")));
        assertTrue(a.matches("n2-5432-[0-9a-f]{8}"), a);
    }
}
