package vigil.daemon.watchdog;

import java.util.ArrayList;
import java.util.List;

/**
 * A watchdog device as the driver sees it through its system calls, answering as a test tells it to, and
 * recording every call in order ({@code open}, {@code set 1}, {@code get}, {@code write k}, {@code write V},
 * {@code close}). It lets the tests cover real-device answers that this machine must never produce: no real
 * watchdog is ever opened here.
 */
final class ScriptedSyscalls implements Syscalls {
    static final int FD = 42;
    final List<String> calls = new ArrayList<>();
    int openErrno;
    int setErrno;
    /** What WDIOC_SETTIMEOUT reports back; 0: the value asked for. */
    int setsTo;
    /** What WDIOC_GETTIMEOUT reports; 0: what SETTIMEOUT set. */
    int readsBack;
    /** errno of the next writes, consumed one per write (0 = success). */
    final List<Integer> writeErrnos = new ArrayList<>();
    private int timeout;

    @Override
    public int openWriteOnly(String path) throws ErrnoException {
        calls.add("open");
        if (openErrno != 0) {
            throw new ErrnoException("open", openErrno);
        }
        return FD;
    }

    @Override
    public int setTimeout(int fd, int seconds) throws ErrnoException {
        calls.add("set " + seconds);
        if (setErrno != 0) {
            throw new ErrnoException("ioctl WDIOC_SETTIMEOUT", setErrno);
        }
        timeout = setsTo != 0 ? setsTo : seconds;
        return timeout;
    }

    @Override
    public int getTimeout(int fd) {
        calls.add("get");
        return readsBack != 0 ? readsBack : timeout;
    }

    @Override
    public int writeByte(int fd, byte b) {
        calls.add("write " + (char) b);
        return writeErrnos.isEmpty() ? 0 : writeErrnos.remove(0);
    }

    @Override
    public void closeFd(int fd) {
        calls.add("close");
    }
}
