package vigil.daemon.watchdog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The watchdog driver's only native code: open, ioctl, write and close of libc through JNA direct mapping (no
 * per-call reflection or argument arrays, so a kick allocates nothing).
 *
 * <p>The constants are Linux's generic ABI, shared by x86-64 and aarch64 (the only platforms {@link #load} accepts):
 * {@code O_WRONLY 01, O_NOCTTY 0400, O_NONBLOCK 04000, O_CLOEXEC 02000000}; ioctl numbers
 * {@code _IOC(dir, 'W', nr, sizeof(int))} with dir in bits 30-31 and size in bits 16-29 (linux/watchdog.h:
 * {@code WDIOC_SETTIMEOUT = _IOWR('W', 6, int)}, {@code WDIOC_GETTIMEOUT = _IOR('W', 7, int)}).
 * O_NONBLOCK makes opening a FIFO without a reader fail with ENXIO and a write into a full one fail with EAGAIN,
 * instead of blocking the loop; a watchdog device ignores it. O_CLOEXEC keeps the descriptor out of every child
 * (PostgreSQL above all): a child holding it would keep the device open after vigild's magic close.
 */
final class Libc implements Syscalls {
    private static final int O_WRONLY = 01;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final long IOC_WRITE = 1L;
    private static final long IOC_READ = 2L;
    static final long WDIOC_SETTIMEOUT = ioc(IOC_READ | IOC_WRITE, 6);
    static final long WDIOC_GETTIMEOUT = ioc(IOC_READ, 7);

    private static volatile Libc instance;

    /** One byte each, allocated once: a kick passes a pointer to native memory that is never freed. */
    private final Memory kickByte = new Memory(1);
    private final Memory magicByte = new Memory(1);

    private Libc() {
        kickByte.setByte(0, Watchdog.KICK);
        magicByte.setByte(0, Watchdog.MAGIC);
    }

    private static long ioc(long dir, int nr) {
        return dir << 30 | (long) Integer.BYTES << 16 | (long) 'W' << 8 | nr;
    }

    /**
     * Binds the natives on first use (so {@code mode: off} never loads JNA). Throws {@link UnsupportedOperationException}
     * with the reason on a platform whose constants differ, and lets JNA's {@link LinkageError} through when its
     * native library cannot be loaded (e.g. a {@code noexec} temporary directory; see {@code jna.tmpdir}).
     */
    static Libc load() {
        Libc l = instance;
        if (l == null) {
            synchronized (Libc.class) {
                if (instance == null) {
                    boolean abi = Platform.isLinux() && Platform.is64Bit()
                            && (Platform.ARCH.equals("x86-64") || Platform.ARCH.equals("aarch64"));
                    if (!abi) {
                        throw new UnsupportedOperationException("the watchdog driver supports Linux on x86-64 and "
                                + "aarch64 only, this is " + Platform.ARCH + (Platform.isLinux() ? " Linux" : ""));
                    }
                    Native.register(Libc.class, Platform.C_LIBRARY_NAME);
                    instance = new Libc();
                }
                l = instance;
            }
        }
        return l;
    }

    private static native int open(String path, int flags) throws LastErrorException;

    private static native int ioctl(int fd, long request, int[] value) throws LastErrorException;

    private static native long write(int fd, Pointer buf, long count) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    @Override
    public int openWriteOnly(String path) throws ErrnoException {
        try {
            return open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("open", e.getErrorCode());
        }
    }

    @Override
    public int setTimeout(int fd, int seconds) throws ErrnoException {
        int[] value = {seconds};
        try {
            ioctl(fd, WDIOC_SETTIMEOUT, value);
            return value[0];
        } catch (LastErrorException e) {
            throw new ErrnoException("ioctl WDIOC_SETTIMEOUT", e.getErrorCode());
        }
    }

    @Override
    public int getTimeout(int fd) throws ErrnoException {
        int[] value = {0};
        try {
            ioctl(fd, WDIOC_GETTIMEOUT, value);
            return value[0];
        } catch (LastErrorException e) {
            throw new ErrnoException("ioctl WDIOC_GETTIMEOUT", e.getErrorCode());
        }
    }

    @Override
    public int writeByte(int fd, byte b) {
        Memory buf = switch (b) {
            case Watchdog.KICK -> kickByte;
            case Watchdog.MAGIC -> magicByte;
            default -> throw new IllegalArgumentException("only the kick and the magic byte are written, not " + b);
        };
        try {
            return write(fd, buf, 1) == 1 ? 0 : ErrnoException.EIO;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    @Override
    public void closeFd(int fd) throws ErrnoException {
        try {
            close(fd);
        } catch (LastErrorException e) {
            throw new ErrnoException("close", e.getErrorCode());
        }
    }
}
