package vigil.daemon.watchdog;

/** A failed system call: which one, and errno with its symbolic name for logs. */
final class ErrnoException extends Exception {
    private static final long serialVersionUID = 1L;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int EPIPE = 32;
    static final int EOPNOTSUPP = 95;

    final int errno;

    ErrnoException(String call, int errno) {
        super(call + " failed: " + name(errno));
        this.errno = errno;
    }

    /** {@code ENXIO (6)}: the symbol for the errnos a watchdog device or a fake gives, else the number. */
    static String name(int errno) {
        String symbol = switch (errno) {
            case 1 -> "EPERM";
            case ENOENT -> "ENOENT";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case 9 -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case EACCES -> "EACCES";
            case EBUSY -> "EBUSY";
            case 19 -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case EPIPE -> "EPIPE";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno";
        };
        return symbol + " (" + errno + ")";
    }
}
