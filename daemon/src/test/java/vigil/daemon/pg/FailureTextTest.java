package vigil.daemon.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import vigil.daemon.pg.CommandResult.Failure;

/** How the output of pg_rewind, pg_basebackup and psql is classified; captured from PostgreSQL 15 where possible. */
class FailureTextTest {
    @Test
    void pgRewindOutputCapturedFromRealRuns() {
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify(ControlDataTest.resource("rewind-no-previous-wal-record.txt")));
        assertEquals(Failure.FOREIGN_SYSTEM, Rewind.classify(ControlDataTest.resource("rewind-different-systems.txt")));
        assertEquals(Failure.TRANSIENT, Rewind.classify(ControlDataTest.resource("rewind-refused.txt")));
        assertEquals(Failure.TRANSIENT, Rewind.classify(ControlDataTest.resource("rewind-timeout.txt")));
        assertEquals(Failure.OTHER, Rewind.classify(ControlDataTest.resource("rewind-auth.txt")));
        // PostgresFaultsIT: the fenced old primary's pg_wal emptied; pg_rewind's crash recovery of it fails.
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify(ControlDataTest.resource("rewind-target-wal-gone.txt")));
    }

    @Test
    void pgRewindMessagesFromItsSource() {
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify(
                "pg_rewind: error: could not find common ancestor of the source and target cluster's timelines\n"));
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify(
                "pg_rewind: error: could not read WAL record at 0/3000028: invalid record length at 0/3000028\n"));
        assertEquals(Failure.OTHER, Rewind.classify("pg_rewind: error: target server must be shut down cleanly\n"));
        assertEquals(Failure.OTHER, Rewind.classify(
                "pg_rewind: error: target server needs to use either data checksums or \"wal_log_hints = on\"\n"));
        assertEquals(Failure.TRANSIENT, Rewind.classify("pg_rewind: error: connection to server at \"10.0.0.2\", port 5432"
                + " failed: FATAL:  the database system is starting up\n"));
    }

    @Test
    void aFailureAfterTheRewriteBeganMeansOnlyACloneCanRepairIt() {
        String lost = "pg_rewind: need to copy 52 MB (total source directory size is 70 MB)\n"
                + "pg_rewind: error: could not fetch remote file \"base/5/16384\": server closed the connection unexpectedly\n";
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify(lost));
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify("pg_rewind: need to copy 1 MB (total 70 MB)\n"
                + "pg_rewind: error: source system was in unexpected state at end of rewind\n"));
        assertEquals(Failure.REWIND_IMPOSSIBLE, Rewind.classify("...12345/70000 kB (17%) copied\npg_rewind: error: x\n"),
                "a cut output may have lost the line");
        assertTrue(Rewind.untouched(ControlDataTest.resource("rewind-refused.txt")));
    }

    @Test
    void libpqConnectionFailuresAreTransientTheRestNeedsAnOperator() {
        for (String transientText : List.of(
                "connection to server at \"127.0.0.1\", port 25499 failed: Connection refused",
                "connection to server at \"192.0.2.77\", port 5432 failed: timeout expired",
                "connection to server at \"192.0.2.3\", port 5432 failed: No route to host",
                "could not translate host name \"db-vip\" to address: Name or service not known",
                "server closed the connection unexpectedly",
                "FATAL:  the database system is starting up",
                "FATAL:  the database system is shutting down",
                "FATAL:  the database system is not yet accepting connections",
                "FATAL:  the database system is in recovery mode",
                "FATAL:  sorry, too many clients already",
                "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
                "FATAL:  terminating connection due to administrator command")) {
            assertEquals(Failure.TRANSIENT, PgCommands.connectionFailure(transientText), transientText);
        }
        for (String other : List.of("FATAL:  password authentication failed for user \"replicator\"",
                "FATAL:  no pg_hba.conf entry for replication connection from host \"10.0.0.9\"",
                "FATAL:  role \"nosuchuser\" does not exist")) {
            assertEquals(Failure.OTHER, PgCommands.connectionFailure(other), other);
        }
    }

    @Test
    void identifySystemAndTimelineHistoryReplies() {
        SourceSystem s = SourceSystem.parseIdentify("7713977703917607699|2|0/6D5EDC0|postgres\n");
        assertEquals(Long.parseUnsignedLong("7713977703917607699"), s.systemId());
        assertEquals(2, s.timeline());
        assertEquals(Lsn.parse("0/6D5EDC0"), s.xlogPos());
        assertEquals(List.of(new ForkPoint(1, Lsn.parse("0/6D5E9B8"))),
                SourceSystem.parseHistoryReply("00000002.history|1\t0/6D5E9B8\tno recovery target specified\n\n"));
        assertEquals(List.of(new ForkPoint(1, Lsn.parse("0/3000000")), new ForkPoint(2, Lsn.parse("0/5000148"))),
                SourceSystem.parseHistoryReply("00000003.history|1\t0/3000000\tno recovery target specified\n"
                        + "\n2\t0/5000148\tno recovery target specified\n"));
    }

    @Test
    void theLastHistoryLineIsTheForkPoint() {
        assertEquals(new ForkPoint(2, Lsn.parse("0/5000148")), ForkPoint.lastOf(
                "1\t0/3000000\tno recovery target specified\n\n2\t0/5000148\tno recovery target specified\n\n").orElseThrow());
        assertTrue(ForkPoint.lastOf("").isEmpty());
    }
}
