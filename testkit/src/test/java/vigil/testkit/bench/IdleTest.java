package vigil.testkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import vigil.testkit.ProcFs;

class IdleTest {
    /** A pool's threads share one line in the breakdown; a name without a running number stays as it is. */
    @Test
    void threadsOfOnePoolGroupUnderOneName() {
        assertEquals("jgroups-N,vigil,n1", Idle.threadGroup("jgroups-3,vigil,n1"));
        assertEquals("jgroups-N,vigil,n1", Idle.threadGroup("jgroups-17,vigil,n1"));
        assertEquals("vigil-loop", Idle.threadGroup("vigil-loop"));
        assertEquals("C1 CompilerThre", Idle.threadGroup("C1 CompilerThre"));
        assertEquals("pool-N-thread-N", Idle.threadGroup("pool-2-thread-14"));
    }

    /** This JVM's own threads, read from /proc: the main thread is there and has run. */
    @Test
    void threadsAreReadWithTheirSchedulerAccount() {
        Map<Long, ProcFs.ThreadRun> threads = ProcFs.threads(ProcessHandle.current().pid());
        ProcFs.ThreadRun main = threads.get(ProcessHandle.current().pid());
        assertTrue(main != null, "no main thread in " + threads);
        assertTrue(main.runNs() > 0 && main.slices() > 0, "main thread never ran: " + main);
    }
}
