package vigil.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PeerPolicyTest {
    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/bash
            # a comment
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            alice:x:1000:1000:Alice:/home/alice:/bin/bash
            bob:x:1001:1001::/home/bob:/bin/bash
            vigil:x:998:998:vigil daemon:/var/lib/vigil:/usr/sbin/nologin
            carol:x:1002:998::/home/carol:/bin/bash
            broken line without fields
            eve:x:notanumber:1003::/:/bin/sh
            """;
    private static final String GROUP = """
            root:x:0:
            alice:x:1000:
            bob:x:1001:
            vigil:x:998:alice, dave
            ops:x:2000:bob
            """;

    private static PeerPolicy policy(String group) {
        return PeerPolicy.of(Optional.ofNullable(group), PASSWD, GROUP);
    }

    @Test
    void rootIsAlwaysAllowed() {
        assertTrue(policy(null).decide(0).allowed());
        assertTrue(policy("vigil").decide(0).allowed());
        assertTrue(policy("missing").decide(0).allowed());
    }

    @Test
    void withoutAGroupOnlyRoot() {
        PeerPolicy.Decision d = policy(null).decide(1000);
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("node.admin.group"), d.reason());
    }

    @Test
    void listedMemberIsAllowed() {
        PeerPolicy.Decision d = policy("vigil").decide(1000);
        assertTrue(d.allowed(), d.reason());
        assertTrue(d.reason().contains("alice"));
    }

    @Test
    void primaryGroupCountsAsMembership() {
        assertTrue(policy("vigil").decide(1002).allowed(), "carol's primary gid is vigil's");
        assertTrue(policy("vigil").decide(998).allowed(), "the vigil user itself");
    }

    @Test
    void nonMemberIsRefusedWithTheFix() {
        PeerPolicy.Decision d = policy("vigil").decide(1001);
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("uid 1001 (bob)") && d.reason().contains("usermod -aG vigil bob"), d.reason());
        assertTrue(policy("ops").decide(1001).allowed(), "bob is listed in ops");
    }

    @Test
    void unknownUidIsRefused() {
        PeerPolicy.Decision d = policy("vigil").decide(4242);
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("uid 4242"), d.reason());
        assertFalse(policy("vigil").decide(-1).allowed());
    }

    @Test
    void missingGroupRefusesEveryoneButRoot() {
        PeerPolicy.Decision d = policy("wheel").decide(1000);
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("\"wheel\" does not exist"), d.reason());
    }

    @Test
    void memberNamesMatchExactly() {
        String group = "vigil:x:998:alicex,xalice\n";
        assertFalse(PeerPolicy.of(Optional.of("vigil"), PASSWD, group).decide(1000).allowed());
        assertTrue(PeerPolicy.of(Optional.of("vigil"), PASSWD, "vigil:x:998:dave,alice\n").decide(1000).allowed());
    }

    @Test
    void malformedLinesAreSkippedNotFatal() {
        PeerPolicy p = PeerPolicy.of(Optional.of("vigil"), "garbage\n::::\n" + PASSWD, "junk\nvigil:x:oops:alice\n" + GROUP);
        assertTrue(p.decide(1000).allowed());
        assertFalse(p.decide(1001).allowed());
    }

    @Test
    void theHostFilesLoad() throws Exception {
        assertTrue(PeerPolicy.load(Optional.of("root")).decide(0).allowed());
        assertFalse(PeerPolicy.load(Optional.empty()).decide(65534).allowed(), "nobody is not root");
    }
}
