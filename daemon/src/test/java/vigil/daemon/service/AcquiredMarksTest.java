package vigil.daemon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vigil.daemon.service.ServiceActionsTest.lines;
import static vigil.daemon.service.ServiceActionsTest.poll;
import static vigil.daemon.service.ServiceActionsTest.sh;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.ServiceActionSettings;
import vigil.config.ServiceActionSettings.Trigger;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * A VIP kept from start (a restart of vigild left it on the host) runs its {@code acquired} actions again unless they
 * completed on this host after it last acquired the VIP, with the same actions configured: each "process" here is a
 * ServiceActions over the same state directory, as two runs of vigild are.
 */
class AcquiredMarksTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    final List<ServiceActions> opened = new ArrayList<>();

    @AfterEach
    void stop() {
        opened.forEach(ServiceActions::close);
    }

    Path ran() {
        return dir.resolve("ran");
    }

    ServiceActionSettings acquired(String word) {
        return sh(Trigger.ACQUIRED, "db", "echo " + word + " >> " + ran());
    }

    /** A barrier: the promoted action runs after everything asked for before it. */
    ServiceActionSettings barrier() {
        return sh(Trigger.PROMOTED, null, "echo barrier >> " + ran());
    }

    ServiceActions process(ServiceActionSettings... actions) {
        ServiceActions s = new ServiceActions(List.of(actions), List.of(), dir.resolve("state"), log);
        opened.add(s);
        return s;
    }

    /** The first process acquires db and its actions complete; it ends once the mark is written. */
    void acquiredBeforeTheRestart(ServiceActionSettings... actions) throws Exception {
        ServiceActions first = process(actions);
        first.on(Trigger.ACQUIRED, "db");
        Path marks = dir.resolve("state").resolve(AcquiredMarks.FILE);
        poll("the mark written", () -> lines(marks).stream().anyMatch(l -> l.startsWith("db\t")));
        first.close();
    }

    static long barriers(List<String> ran) {
        return ran.stream().filter("barrier"::equals).count();
    }

    /** What the restarted process ran for a VIP kept from start (up to its barrier). */
    List<String> afterTheRestart(ServiceActionSettings... actions) throws Exception {
        List<String> before = lines(ran());
        ServiceActions second = process(actions);
        second.onKept("db");
        second.on(Trigger.PROMOTED, null);
        poll("the barrier", () -> barriers(lines(ran())) > barriers(before));
        return lines(ran()).subList(before.size(), lines(ran()).size());
    }

    @Test
    void completedActionsAreNotRunAgainForAVipThatNeverLeft() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        acquiredBeforeTheRestart(acquired("restart-apache2"), barrier());
        assertEquals(List.of("restart-apache2"), lines(ran()));
        assertEquals(List.of("barrier"), afterTheRestart(acquired("restart-apache2"), barrier()));
        assertTrue(logged.toString().contains("event=service_actions_skipped trigger=acquired vip=db reason=KEPT_FROM_START"),
                logged.toString());
    }

    @Test
    void changedActionsRunAgain() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        acquiredBeforeTheRestart(acquired("restart-apache2"), barrier());
        assertEquals(List.of("restart-apache2", "reload-dns", "barrier"),
                afterTheRestart(acquired("restart-apache2"), acquired("reload-dns"), barrier()));
    }

    @Test
    void aReleaseErasesTheMark() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        acquiredBeforeTheRestart(acquired("restart-apache2"), barrier());
        ServiceActions between = process(acquired("restart-apache2"), barrier());
        between.on(Trigger.RELEASED, "db"); // no released action configured: the mark goes all the same
        between.close();
        assertEquals(List.of("restart-apache2", "barrier"), afterTheRestart(acquired("restart-apache2"), barrier()));
    }

    @Test
    void actionsThatFailedOrNeverRanAreRunAgain() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        ServiceActions first = process(sh(Trigger.ACQUIRED, "db", "exit 1"), barrier());
        first.on(Trigger.ACQUIRED, "db");
        first.on(Trigger.PROMOTED, null);
        poll("the barrier", () -> lines(ran()).contains("barrier"));
        first.close();
        assertFalse(Files.exists(dir.resolve("state").resolve(AcquiredMarks.FILE)), "no mark for a failed action");
        assertEquals(List.of("restart-apache2", "barrier"), afterTheRestart(acquired("restart-apache2"), barrier()));
    }

    /** Acquired again, the mark goes before the actions start: a process ended while they ran leaves none. */
    @Test
    void anAcquisitionCutShortLeavesNoMark() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Path slow = dir.resolve("slow");
        ServiceActionSettings restart = sh(Trigger.ACQUIRED, "db", "if [ -e " + slow + " ]; then sleep 30; fi; echo restart >> "
                + ran());
        acquiredBeforeTheRestart(restart, barrier());
        Files.createFile(slow);
        ServiceActions cut = process(restart, barrier());
        cut.on(Trigger.ACQUIRED, "db");
        Path marks = dir.resolve("state").resolve(AcquiredMarks.FILE);
        poll("the mark erased", () -> lines(marks).stream().noneMatch(l -> l.startsWith("db\t")));
        cut.close(); // the action is killed: it never completed
        Files.delete(slow);
        assertEquals(List.of("restart", "barrier"), afterTheRestart(restart, barrier()));
    }

    /** A VIP released at start (not kept) never told the service actions: its mark goes then. */
    @Test
    void marksOfVipsNotKeptAtStartAreErased() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        acquiredBeforeTheRestart(acquired("restart-apache2"), barrier());
        ServiceActions boot = process(acquired("restart-apache2"), barrier());
        boot.keepMarksOnlyOf(List.of("region"));
        boot.close();
        assertEquals(List.of("restart-apache2", "barrier"), afterTheRestart(acquired("restart-apache2"), barrier()));
    }

    /** No caller waits for the disk (the lease guard releases VIPs on its way to a fence); a failed write is logged. */
    @Test
    void aFileThatCannotBeWrittenHoldsNothingUpAndIsLogged() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        ServiceActions s = process(acquired("restart-apache2"), barrier());
        Files.delete(dir.resolve("state"));
        s.on(Trigger.ACQUIRED, "db");
        s.on(Trigger.PROMOTED, null);
        poll("the barrier", () -> barriers(lines(ran())) > 0); // completed: its mark is written (and fails)
        long t0 = System.nanoTime();
        s.on(Trigger.RELEASED, "db");
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "a release returns at once");
        poll("the failed write logged", () -> logged.toString().contains("event=service_marks_not_saved"));
        assertTrue(logged.toString().contains("reason=STATE_NOT_SAVED"), logged.toString());
    }

    @Test
    void withoutAStateDirectoryTheyAlwaysRunAgain() throws Exception {
        ServiceActions s = new ServiceActions(List.of(acquired("restart-apache2"), barrier()), log);
        opened.add(s);
        s.on(Trigger.ACQUIRED, "db");
        s.onKept("db");
        s.on(Trigger.PROMOTED, null);
        poll("the barrier", () -> barriers(lines(ran())) > 0);
        assertEquals(List.of("restart-apache2", "restart-apache2", "barrier"), lines(ran()));
    }
}
