package vigil.daemon.watchdog;

/**
 * The five system calls the watchdog driver makes, so that its decisions (which answers mean "armed", what is
 * refused, what a failed arm leaves behind) can be tested without a device. {@link Libc} is the real one.
 * Failures are reported as {@link ErrnoException}s carrying errno; {@link #writeByte} returns errno instead, so a kick
 * allocates nothing even when it fails.
 */
interface Syscalls {
    /** {@code open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)}; returns the descriptor. */
    int openWriteOnly(String path) throws ErrnoException;

    /** {@code ioctl(fd, WDIOC_SETTIMEOUT, &seconds)}; returns the timeout the driver actually set. */
    int setTimeout(int fd, int seconds) throws ErrnoException;

    /** {@code ioctl(fd, WDIOC_GETTIMEOUT, &seconds)}. */
    int getTimeout(int fd) throws ErrnoException;

    /**
     * Writes the one byte {@code b}, {@link Watchdog#KICK} or {@link Watchdog#MAGIC}; returns 0 when it was written,
     * else errno (EAGAIN when it would block).
     */
    int writeByte(int fd, byte b);

    void closeFd(int fd) throws ErrnoException;
}
