package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalEndTest {
    @Test
    void theEndIsWhereTheFirstInvalidRecordStarts() {
        // pg_waldump's output on a stopped standby (PostgresFailoverIT): the record after the last valid one.
        assertEquals(Optional.of(0x405DB28L), WalEnd.parse("pg_waldump: error: error in WAL record at 0/405DB00:"
                + " invalid record length at 0/405DB28: wanted 24, got 0\n", 16L << 20));
        assertEquals(Optional.empty(), WalEnd.parse("pg_waldump: error: could not find file"
                + " \"000000020000000000000003\": No such file or directory\n", 16L << 20), "no end: unknown, never guessed");
    }

    /**
     * The last record ends exactly at a page boundary: the next page was never written (SwitchoverIT on CI, a clean
     * shutdown's checkpoint record at 0/402BF88, 120 bytes before the page at 0/402C000).
     */
    @Test
    void aWalEndingAtAPageBoundaryEndsAtThatPage() {
        assertEquals(Optional.of(0x402C000L), WalEnd.parse("pg_waldump: error: error in WAL record at 0/402BF88:"
                + " invalid magic number 0000 in log segment 000000010000000000000004, offset 180224\n", 16L << 20));
        assertEquals(Optional.of(0x1_0500_2000L), WalEnd.parse("pg_waldump: error: error in WAL record at 1/5001F90:"
                + " unexpected pageaddr 0/C002000 in log segment 000000020000000100000005, offset 8192\n", 16L << 20),
                "a recycled segment");
        assertEquals(Optional.of(0x60_2000L), WalEnd.parse("pg_waldump: error: error in WAL record at 0/601FD0:"
                + " invalid magic number 0000 in log segment 000000010000000000000003, offset 8192\n", 2L << 20),
                "2 MB segments");
        assertEquals(Optional.empty(), WalEnd.parse("pg_waldump: error: error in WAL record at 0/402BF88:"
                + " invalid magic number 0000 in log segment 000000010000000000000004, offset 180225\n", 16L << 20),
                "not a page boundary: unknown");
    }

    @Test
    void segmentNamesAreThoseOfPostgres() {
        assertEquals("000000010000000000000003", WalEnd.segmentName(1, 0x3000060L, 16L << 20));
        assertEquals("000000020000000100000005", WalEnd.segmentName(2, 0x1_0500_0000L, 16L << 20));
        assertEquals("000000010000000000000006", WalEnd.segmentName(1, 0x3000060L, 8L << 20), "8 MB segments");
    }

    @Test
    void theSegmentSizeIsReadFromTheFilesThere(@TempDir Path wal) throws IOException {
        assertEquals(16L << 20, WalEnd.segmentSize(wal), "none there: the default");
        Files.write(wal.resolve("000000010000000000000001"), new byte[1 << 20]);
        Files.writeString(wal.resolve("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        assertEquals(1L << 20, WalEnd.segmentSize(wal));
    }
}
