package vigil.daemon.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vigil.config.FenceDevice;
import vigil.config.NodeRole;
import vigil.config.NodeSpec;
import vigil.daemon.exec.BoundedCommand;
import vigil.daemon.log.Log;
import vigil.daemon.log.Priority;

/**
 * Fake fence agents as /bin/sh scripts: each records its stdin to {@code NAME.ACTION.in} and its argv count, appends
 * "NAME ACTION" to {@code calls}, and answers {@code off}, {@code status}, {@code on} and {@code reboot} with the
 * exit status the test gives it (status: 0 = on, 2 = off, as fence-agents do).
 */
class FencerTest {
    static final Duration LONG = Duration.ofSeconds(30);
    static final String SECRET = "bmc-s3cret-Pw";

    @TempDir
    Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log("n1", new PrintStream(logged, true, StandardCharsets.UTF_8), Priority.DEBUG);
    Path passFile;

    @BeforeEach
    void setUp() throws IOException {
        passFile = dir.resolve("bmc.pass");
        Files.writeString(passFile, SECRET + "\nsecond line is not the password\n");
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
    }

    /** A fake agent; {@code onOff} is shell run for action off (e.g. "exit 0"), likewise the others. */
    Path agent(String name, String onOff, String onStatus, String onReboot) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n"
                + "in=$(cat)\n"
                + "action=$(printf '%s\\n' \"$in\" | sed -n 's/^action=//p')\n"
                + "printf '%s\\n' \"$in\" > " + dir + "/" + name + ".$action.in\n"
                + "echo $# > " + dir + "/" + name + ".argc\n"
                + "echo \"" + name + " $action\" >> " + dir + "/calls\n"
                + "echo \"agent saw password $(printf '%s\\n' \"$in\" | sed -n 's/^passwd=//p')\"\n"
                + "case $action in\n"
                + "  off) " + onOff + ";;\n"
                + "  status) " + onStatus + ";;\n"
                + "  reboot|on) " + onReboot + ";;\n"
                + "esac\n"
                + "exit 1\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    Path goodAgent(String name) throws IOException {
        return agent(name, "exit 0", "echo 'Status: OFF'; exit 2", "exit 0");
    }

    static FenceDevice device(int level, Path agent) {
        return new FenceDevice(level, agent, Optional.of("10.232.9.12"), OptionalInt.empty(), Optional.empty(),
                Optional.empty(), false, Map.of(), Optional.empty(), Optional.empty(), LONG);
    }

    Fencer fencer(FenceDevice... devices) {
        return new Fencer(List.of(new NodeSpec("n1", "10.232.1.11", 7800, NodeRole.DATA, 100),
                new NodeSpec("n2", "10.232.1.12", 7800, NodeRole.DATA, 100, List.of(devices))), log);
    }

    String logText() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    List<String> calls() throws IOException {
        Path calls = dir.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void everyParameterGoesOnStdinAndThePasswordNowhereElse() throws Exception {
        Path a = goodAgent("fence_ipmilan");
        Map<String, String> options = new LinkedHashMap<>();
        options.put("method", "onoff");
        options.put("power_wait", "4");
        FenceDevice d = new FenceDevice(1, a, Optional.of("10.232.9.12"), OptionalInt.of(6230), Optional.of("admin"),
                Optional.of("maas-n2"), true, options, Optional.of(passFile), Optional.empty(), LONG);
        FenceResult r = fencer(d).off("n2", LONG);

        assertTrue(r.provenOff(), r.reason());
        assertEquals(List.of("action=off", "nodename=n2", "ipaddr=10.232.9.12", "ipport=6230", "login=admin",
                "port=maas-n2", "lanplus=1", "method=onoff", "power_wait=4", "passwd=" + SECRET),
                Files.readAllLines(dir.resolve("fence_ipmilan.off.in")));
        assertEquals("action=status", Files.readAllLines(dir.resolve("fence_ipmilan.status.in")).get(0));
        assertEquals("0", Files.readString(dir.resolve("fence_ipmilan.argc")).strip(), "argv is the agent's path alone");
        assertEquals(List.of("fence_ipmilan off", "fence_ipmilan status"), calls());
        assertEquals("agent saw password ****", r.runs().get(0).output(), "the password is masked in the output");
        assertFalse(r.toString().contains(SECRET), r.toString());
        assertFalse(logText().contains(SECRET), logText());
        assertTrue(logText().contains("event=command argv=[" + a + "] target=n2 level=1 action=off exit=0"), logText());
        assertTrue(logText().contains("<5>node=n1 event=fence target=n2 action=off proven_off=true reason=-"), logText());
        assertEquals("n2 off, confirmed by status OFF, level 1 (fence_ipmilan@10.232.9.12)", r.reason());
    }

    @Test
    void aPasswordScriptIsPassedForTheAgentToRun() throws Exception {
        Path a = goodAgent("fence_virsh");
        FenceDevice d = new FenceDevice(1, a, Optional.of("virt-host"), OptionalInt.empty(), Optional.of("root"),
                Optional.of("maas-n2"), false, Map.of(), Optional.empty(), Optional.of(Path.of("/usr/local/sbin/pw")), LONG);
        assertTrue(fencer(d).off("n2", LONG).provenOff());
        assertEquals(List.of("action=off", "nodename=n2", "ipaddr=virt-host", "login=root", "port=maas-n2",
                "passwd_script=/usr/local/sbin/pw"), Files.readAllLines(dir.resolve("fence_virsh.off.in")));
    }

    @Test
    void oneFailedDeviceFailsItsLevelAndTheNextLevelIsUsed() throws Exception {
        Path psuA = goodAgent("psu_a");
        Path psuB = agent("psu_b", "echo 'Failed: Unable to obtain correct plug status'; exit 1", "exit 2", "exit 0");
        Path bmc = goodAgent("bmc");
        FenceResult r = fencer(device(1, psuA), device(1, psuB), device(2, bmc)).off("n2", LONG);

        assertTrue(r.provenOff(), r.reason());
        assertEquals(List.of("psu_a off", "psu_b off", "bmc off", "bmc status"), calls());
        assertEquals(List.of(1, 1, 2, 2), r.runs().stream().map(DeviceRun::level).toList());
        assertEquals("n2 off, confirmed by status OFF, level 2 (bmc@10.232.9.12) after level 1: psu_b@10.232.9.12 off"
                + " exited 1 (Failed: Unable to obtain correct plug status)", r.reason());
    }

    @Test
    void anOffThatStatusDoesNotConfirmIsNoProof() throws Exception {
        Path liar = agent("liar", "exit 0", "echo 'Status: ON'; exit 0", "exit 0");
        FenceResult r = fencer(device(1, liar)).off("n2", LONG);

        assertFalse(r.provenOff());
        assertEquals(List.of("liar off", "liar status"), calls());
        assertEquals("every level failed: level 1: liar@10.232.9.12 off exited 0 but status answered ON (exit 0)",
                r.reason());
        assertTrue(logText().contains("<3>node=n1 event=fence target=n2 action=off proven_off=false reason=FENCE_FAILED"
                + " detail=\"every level failed: level 1: liar@10.232.9.12 off exited 0"), logText());

        Path broken = agent("broken", "exit 0", "echo 'Connection timed out'; exit 5", "exit 0");
        FenceResult b = fencer(device(1, broken)).off("n2", LONG);
        assertFalse(b.provenOff(), "a status that fails is no OFF either");
        assertTrue(b.reason().endsWith("broken@10.232.9.12 status exited 5 (Connection timed out)"), b.reason());
    }

    @Test
    void aHangingAgentIsKilledWithItsChildAtItsTimeoutAndTheNextLevelRuns() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path hang = agent("hang", "sleep 60 & echo $! > " + pidFile + "; wait", "exit 2", "exit 0");
        FenceDevice slow = new FenceDevice(1, hang, Optional.empty(), OptionalInt.empty(), Optional.empty(),
                Optional.of("7"), false, Map.of(), Optional.empty(), Optional.empty(), Duration.ofMillis(500));
        long start = System.nanoTime();
        FenceResult r = fencer(slow, device(2, goodAgent("bmc"))).off("n2", LONG);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertTrue(r.provenOff(), r.reason());
        assertEquals(BoundedCommand.KILLED, r.runs().get(0).exit());
        assertTrue(r.reason().endsWith("after level 1: hang@7 off was killed after its timeout of 500 ms (agent saw password)"),
                r.reason());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the agent's child is gone");
        assertTrue(ms < 5_000, "took " + ms + " ms");
    }

    @Test
    void theOverallDeadlineCutsEverything() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Path hang = agent("hang", "sleep 60 & echo $! > " + pidFile + "; wait", "exit 2", "exit 0");
        long start = System.nanoTime();
        FenceResult r = fencer(device(1, hang), device(2, goodAgent("bmc"))).off("n2", Duration.ofMillis(700));
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertFalse(r.provenOff());
        assertEquals(List.of("hang off"), calls(), "no level after the deadline");
        assertTrue(ms >= 650 && ms < 3_000, "took " + ms + " ms");
        assertEquals("every level failed: level 1: hang@10.232.9.12 off was killed at the deadline of 700 ms"
                + " (agent saw password)", r.reason());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the agent's child is gone");
    }

    @Test
    void aRebootIsNeverAProof() throws Exception {
        FenceResult r = fencer(device(1, goodAgent("bmc"))).reboot("n2", LONG);
        assertFalse(r.provenOff());
        assertEquals("rebooted by level 1 (bmc@10.232.9.12)", r.reason());
        assertEquals(List.of("bmc reboot"), calls());
        assertTrue(logText().contains("<5>node=n1 event=fence target=n2 action=reboot proven_off=false reason=-"), logText());

        Files.delete(dir.resolve("calls"));
        FenceResult two = fencer(device(1, goodAgent("psu_a")), device(1, goodAgent("psu_b"))).reboot("n2", LONG);
        assertFalse(two.provenOff());
        assertEquals(List.of("psu_a off", "psu_b off", "psu_a on", "psu_b on"), calls(),
                "two power supplies: both off, then both on, never one at a time");
    }

    @Test
    void statusSaysOnOrOffAndProvesNothing() throws Exception {
        FenceResult off = fencer(device(1, goodAgent("bmc"))).status("n2", LONG);
        assertFalse(off.provenOff());
        assertEquals("OFF: n2 per level 1 (bmc@10.232.9.12)", off.reason());
        Path on = agent("on", "exit 0", "echo 'Status: ON'; exit 0", "exit 0");
        assertEquals("ON: n2 per level 1 (on@10.232.9.12)", fencer(device(1, on)).status("n2", LONG).reason());
        Path broken = agent("broken", "exit 0", "exit 1", "exit 0");
        FenceResult unknown = fencer(device(1, broken)).status("n2", LONG);
        assertTrue(unknown.reason().startsWith("UNKNOWN: every level failed: level 1: broken@10.232.9.12 status exited 1"),
                unknown.reason());
    }

    @Test
    void aNodeWithoutDevicesCannotBeFenced() {
        Fencer f = fencer();
        assertFalse(f.configured("n2"));
        FenceResult r = f.off("n2", LONG);
        assertFalse(r.provenOff());
        assertEquals("no fence devices configured for n2 (cluster.nodes[].fence)", r.reason());
        assertEquals("n9 is not a member of cluster.nodes", f.off("n9", LONG).reason());
        assertTrue(logText().contains("<3>node=n1 event=fence target=n2 action=off proven_off=false"
                + " reason=FENCE_NOT_CONFIGURED"), logText());
    }

    @Test
    void anUnreadablePasswordFileFailsTheDeviceWithoutRunningIt() throws Exception {
        Path a = goodAgent("bmc");
        FenceDevice d = new FenceDevice(1, a, Optional.of("10.232.9.12"), OptionalInt.empty(), Optional.empty(),
                Optional.empty(), false, Map.of(), Optional.of(dir.resolve("missing.pass")), Optional.empty(), LONG);
        FenceResult r = fencer(d, device(2, goodAgent("bmc2"))).off("n2", LONG);
        assertTrue(r.provenOff());
        assertEquals(List.of("bmc2 off", "bmc2 status"), calls());
        assertTrue(r.reason().contains("level 1: bmc@10.232.9.12 off could not run (cannot read password_file "
                + dir.resolve("missing.pass")), r.reason());
    }
}
