/**
 * The watchdog driver: {@link vigil.daemon.watchdog.Watchdog} arms a Linux watchdog device, kicks it and disarms it
 * with the magic close, when the core says so. It decides nothing.
 *
 * <p>Choices the rest of vigil relies on:
 * <ul>
 * <li>Native calls (open, ioctl, write, close) live in {@code Libc} alone, through JNA direct mapping; the driver's
 *     decisions are tested through the {@code Syscalls} seam with scripted device answers, because no test may
 *     open a real watchdog: it would reset the machine.
 * <li>An armed result always carries a timeout the device reported (WDIOC_SETTIMEOUT, then WDIOC_GETTIMEOUT); a
 *     device running a longer timeout than configured, or none it can report, is refused and magic-closed.
 * <li>A FIFO or regular file answering ENOTTY is a test fake ({@code ARMED_WITHOUT_TIMEOUT_CONTROL}, logged as a
 *     warning): the integration tests' {@code vigil.testkit.FakeWatchdog} reads it and plays the kernel's part.
 * <li>The descriptor is opened O_NONBLOCK (a FIFO without a reader fails the arm with ENXIO instead of blocking)
 *     and O_CLOEXEC (no child, PostgreSQL above all, may keep the device open past vigild's magic close).
 * </ul>
 */
package vigil.daemon.watchdog;
