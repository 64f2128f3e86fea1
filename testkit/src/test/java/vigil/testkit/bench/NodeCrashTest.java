package vigil.testkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import vigil.testkit.LogEvent;
import vigil.testkit.LogParser;

/** The promotion instant vip_move_ms counts from, read from a new primary's log lines (a bench run's, shortened). */
class NodeCrashTest {
    private static LogEvent line(String s) {
        return LogParser.parse(s).orElseThrow(() -> new AssertionError("not a log line: " + s));
    }

    private static final LogEvent PROMOTE = line("<6>node=n3 event=command argv=\"runuser -u postgres -- psql -X -q -c"
            + " DO $vigil$BEGIN IF NOT pg_promote(true, 10) THEN RAISE EXCEPTION 'promotion did not finish within 10 s';"
            + " END IF; END$vigil$\" exit=0 duration_ms=296 output=- mono_ms=29254393");
    private static final LogEvent DONE = line("<5>node=n3 event=pg_action_done id=3 action=\"Promote[syncNames=null]\""
            + " outcome=OK duration_ms=650 detail=\"\" cancelled=false mono_ms=29254742");

    @Test
    void thePromotionIsWhenPgPromoteReturnedNotWhenTheActionEnded() {
        LogEvent reload = line("<6>node=n3 event=command argv=\"runuser -u postgres -- psql -c SELECT pg_reload_conf()\""
                + " exit=0 duration_ms=321 output=- mono_ms=29254742");
        assertEquals(Optional.of(29254393.0), NodeCrash.promotedAt(List.of(PROMOTE, reload, DONE)));
    }

    @Test
    void aFailedPgPromoteIsNoPromotionAndTheActionsEndIsTheFallback() {
        LogEvent failed = line("<6>node=n3 event=command argv=\"psql -c"
                + " pg_promote(true, 10)\" exit=1 duration_ms=5 output=- mono_ms=29254000");
        assertEquals(Optional.of(29254742.0), NodeCrash.promotedAt(List.of(failed, DONE)));
        assertEquals(Optional.empty(), NodeCrash.promotedAt(List.of(failed)));
    }
}
