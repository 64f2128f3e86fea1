package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Recovery#parse}: the segment a startup process's title names, and whether the next one is already here. */
class RecoveryTest {
    @TempDir
    Path walDir;

    @Test
    void theTitleNamesTheSegmentAndTheNextOneIsAskedForWhenAbsent() throws Exception {
        Files.write(walDir.resolve("000000020000000100000003"), new byte[1 << 20]); // 1 MB segments (initdb --wal-segsize 1)
        Optional<Recovery.Reading> r = Recovery.parse("postgres: n1: startup recovering 000000020000000100000003  ", walDir);
        assertTrue(r.isPresent());
        assertEquals(2, r.get().timeline());
        assertEquals(1L << 20, r.get().segmentSize());
        assertEquals((4096L + 3) << 20, r.get().at(), "log 1 holds 4096 segments of 1 MB");
        assertEquals((4096L + 3) << 20, r.get().needed(), "the segment it reads, as its WAL receiver asks for it");
        assertTrue(r.get().waiting(), "nothing past it here");
        Files.write(walDir.resolve("000000030000000100000004"), new byte[1 << 20]); // on the next timeline: there too
        assertFalse(Recovery.parse("postgres: startup recovering 000000020000000100000003", walDir).get().waiting(),
                "WAL of its own to replay first: nothing concluded");
    }

    /**
     * The title PostgreSQL 15 shows while replay waits for a segment it does not have (seen on a rewound old primary
     * whose new primary had removed it): that segment is the one to ask for.
     */
    @Test
    void waitingForASegmentNamesTheOneToAskFor() throws Exception {
        Files.write(walDir.resolve("000000020000000000000010"), new byte[16 << 20]); // its own, of the old timeline
        Recovery.Reading r = Recovery.parse("postgres: n1: startup waiting for 000000030000000000000010", walDir).orElseThrow();
        assertEquals(new Recovery.Reading(3, 0x10L << 24, 0x10L << 24, 16L << 20, true), r);
    }

    /** A rewound cluster whose startup process opened no segment yet: replay begins where pg_rewind's label says. */
    @Test
    void aBackupLabelSaysWhichSegmentReplayNeedsFirst() throws Exception {
        Path label = walDir.resolveSibling(walDir.getFileName() + ".label");
        Files.writeString(label, "START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\n"
                + "CHECKPOINT LOCATION: 0/3000060\nBACKUP METHOD: pg_rewind\nBACKUP FROM: standby\n");
        Recovery.Reading r = Recovery.fromLabel(label, walDir).orElseThrow();
        assertEquals(new Recovery.Reading(1, 0x3000028L, 0x3000000L, 16L << 20, true), r, "16 MB segments when none is here");
        assertTrue(Recovery.fromLabel(walDir.resolve("none"), walDir).isEmpty(), "no label, nothing said");
    }

    @Test
    void anyOtherTitleSaysNothing() {
        assertTrue(Recovery.parse("postgres: startup ", walDir).isEmpty());
        assertTrue(Recovery.parse("postgres: walreceiver streaming 0/3000148", walDir).isEmpty());
        assertTrue(Recovery.parse("postgres: n1: startup", walDir).isEmpty());
    }
}
