package vigil.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteLogTest {
    @TempDir
    Path dir;

    private WriteLog log(String writes, String watch) throws IOException {
        Files.writeString(dir.resolve("writes.csv"), "start_mono_ms,end_mono_ms,ok,seq,host,error\n" + writes);
        Files.writeString(dir.resolve("watch.csv"), "mono_ms,host,answer\n" + watch);
        return WriteLog.read(dir);
    }

    @Test
    void outageIsTheLongestGapBetweenAcksEndingAfterTheFault() throws IOException {
        WriteLog l = log("""
                0.000,5.000,1,1,10.0.0.1,
                20.000,25.000,1,2,10.0.0.1,
                40.000,1040.000,0,3,,PSQLException: I/O error
                1040.000,2040.000,0,4,,PSQLException: The connection attempt failed.
                2040.000,2100.000,1,5,10.0.0.2,
                2120.000,2125.000,1,6,10.0.0.2,
                2140.000,2900.000,1,7,10.0.0.2,
                """, "");
        WriteLog.Gap g = l.outageAfter(30, 5000).orElseThrow();
        assertEquals(25.0, g.fromMs());
        assertEquals(2100.0, g.toMs());
        assertEquals(2.075, g.seconds(), 1e-9);
        assertEquals(2, l.gapsAfter(30, 5000, 200).size(), "the 775 ms gap later counts as a second outage");
        assertEquals(Set.of(1L, 2L, 5L, 6L, 7L), l.ackedSeqs());
        assertEquals(Set.of(6L), l.lost(Set.of(1L, 2L, 3L, 5L, 7L)), "unacknowledged seq 3 may be there or not");
        assertEquals(Set.of("10.0.0.2"), l.hostsAfter(30));
    }

    @Test
    void splitBrainNeedsTwoFreshPrimaryAnswers() throws IOException {
        WriteLog l = log("", """
                100.0,a,P
                110.0,b,S
                200.0,a,U
                210.0,b,P
                300.0,a,U
                310.0,b,P
                1000.0,a,P
                1005.0,b,P
                1100.0,a,P
                1105.0,b,P
                1200.0,a,S
                1300.0,a,P
                1305.0,b,P
                """);
        assertEquals(2, l.splitBrainEvents(0, 2000, 500), "two stretches with a and b both primary");
        assertEquals(0, l.splitBrainEvents(0, 900, 500), "a stale P does not count against a later one");
        assertEquals(Double.valueOf(210.0), l.primaryBackAt(105).orElseThrow(), "b answered standby after the fault, then primary");
        assertEquals(Double.valueOf(1000.0), l.primaryBackAt(150).orElseThrow(), "a went away and came back first");
        assertTrue(l.primaryBackAt(1400).isEmpty());
    }
}
