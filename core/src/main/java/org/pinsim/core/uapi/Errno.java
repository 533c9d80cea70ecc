package org.pinsim.core.uapi;

/**
 * x86-64 errno values (include/uapi/asm-generic/errno-base.h, errno.h) with the
 * names and strerror texts strace prints, e.g. {@code -1 ENOMEM (Cannot allocate memory)}.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOBUFS = 105;

    private static final String[] NAMES = new String[134];
    private static final String[] TEXTS = new String[134];

    /*
     * Every errno Linux defines on x86-64 (include/uapi/asm-generic/errno-base.h and errno.h;
     * 41 and 58 are unused there), with glibc's strerror text, as strace prints them.
     */
    static {
        def(1, "EPERM", "Operation not permitted");
        def(2, "ENOENT", "No such file or directory");
        def(3, "ESRCH", "No such process");
        def(4, "EINTR", "Interrupted system call");
        def(5, "EIO", "Input/output error");
        def(6, "ENXIO", "No such device or address");
        def(7, "E2BIG", "Argument list too long");
        def(8, "ENOEXEC", "Exec format error");
        def(9, "EBADF", "Bad file descriptor");
        def(10, "ECHILD", "No child processes");
        def(11, "EAGAIN", "Resource temporarily unavailable");
        def(12, "ENOMEM", "Cannot allocate memory");
        def(13, "EACCES", "Permission denied");
        def(14, "EFAULT", "Bad address");
        def(15, "ENOTBLK", "Block device required");
        def(16, "EBUSY", "Device or resource busy");
        def(17, "EEXIST", "File exists");
        def(18, "EXDEV", "Invalid cross-device link");
        def(19, "ENODEV", "No such device");
        def(20, "ENOTDIR", "Not a directory");
        def(21, "EISDIR", "Is a directory");
        def(22, "EINVAL", "Invalid argument");
        def(23, "ENFILE", "Too many open files in system");
        def(24, "EMFILE", "Too many open files");
        def(25, "ENOTTY", "Inappropriate ioctl for device");
        def(26, "ETXTBSY", "Text file busy");
        def(27, "EFBIG", "File too large");
        def(28, "ENOSPC", "No space left on device");
        def(29, "ESPIPE", "Illegal seek");
        def(30, "EROFS", "Read-only file system");
        def(31, "EMLINK", "Too many links");
        def(32, "EPIPE", "Broken pipe");
        def(33, "EDOM", "Numerical argument out of domain");
        def(34, "ERANGE", "Numerical result out of range");
        def(35, "EDEADLK", "Resource deadlock avoided");
        def(36, "ENAMETOOLONG", "File name too long");
        def(37, "ENOLCK", "No locks available");
        def(38, "ENOSYS", "Function not implemented");
        def(39, "ENOTEMPTY", "Directory not empty");
        def(40, "ELOOP", "Too many levels of symbolic links");
        def(42, "ENOMSG", "No message of desired type");
        def(43, "EIDRM", "Identifier removed");
        def(44, "ECHRNG", "Channel number out of range");
        def(45, "EL2NSYNC", "Level 2 not synchronized");
        def(46, "EL3HLT", "Level 3 halted");
        def(47, "EL3RST", "Level 3 reset");
        def(48, "ELNRNG", "Link number out of range");
        def(49, "EUNATCH", "Protocol driver not attached");
        def(50, "ENOCSI", "No CSI structure available");
        def(51, "EL2HLT", "Level 2 halted");
        def(52, "EBADE", "Invalid exchange");
        def(53, "EBADR", "Invalid request descriptor");
        def(54, "EXFULL", "Exchange full");
        def(55, "ENOANO", "No anode");
        def(56, "EBADRQC", "Invalid request code");
        def(57, "EBADSLT", "Invalid slot");
        def(59, "EBFONT", "Bad font file format");
        def(60, "ENOSTR", "Device not a stream");
        def(61, "ENODATA", "No data available");
        def(62, "ETIME", "Timer expired");
        def(63, "ENOSR", "Out of streams resources");
        def(64, "ENONET", "Machine is not on the network");
        def(65, "ENOPKG", "Package not installed");
        def(66, "EREMOTE", "Object is remote");
        def(67, "ENOLINK", "Link has been severed");
        def(68, "EADV", "Advertise error");
        def(69, "ESRMNT", "Srmount error");
        def(70, "ECOMM", "Communication error on send");
        def(71, "EPROTO", "Protocol error");
        def(72, "EMULTIHOP", "Multihop attempted");
        def(73, "EDOTDOT", "RFS specific error");
        def(74, "EBADMSG", "Bad message");
        def(75, "EOVERFLOW", "Value too large for defined data type");
        def(76, "ENOTUNIQ", "Name not unique on network");
        def(77, "EBADFD", "File descriptor in bad state");
        def(78, "EREMCHG", "Remote address changed");
        def(79, "ELIBACC", "Can not access a needed shared library");
        def(80, "ELIBBAD", "Accessing a corrupted shared library");
        def(81, "ELIBSCN", ".lib section in a.out corrupted");
        def(82, "ELIBMAX", "Attempting to link in too many shared libraries");
        def(83, "ELIBEXEC", "Cannot exec a shared library directly");
        def(84, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        def(85, "ERESTART", "Interrupted system call should be restarted");
        def(86, "ESTRPIPE", "Streams pipe error");
        def(87, "EUSERS", "Too many users");
        def(88, "ENOTSOCK", "Socket operation on non-socket");
        def(89, "EDESTADDRREQ", "Destination address required");
        def(90, "EMSGSIZE", "Message too long");
        def(91, "EPROTOTYPE", "Protocol wrong type for socket");
        def(92, "ENOPROTOOPT", "Protocol not available");
        def(93, "EPROTONOSUPPORT", "Protocol not supported");
        def(94, "ESOCKTNOSUPPORT", "Socket type not supported");
        def(95, "EOPNOTSUPP", "Operation not supported");
        def(96, "EPFNOSUPPORT", "Protocol family not supported");
        def(97, "EAFNOSUPPORT", "Address family not supported by protocol");
        def(98, "EADDRINUSE", "Address already in use");
        def(99, "EADDRNOTAVAIL", "Cannot assign requested address");
        def(100, "ENETDOWN", "Network is down");
        def(101, "ENETUNREACH", "Network is unreachable");
        def(102, "ENETRESET", "Network dropped connection on reset");
        def(103, "ECONNABORTED", "Software caused connection abort");
        def(104, "ECONNRESET", "Connection reset by peer");
        def(105, "ENOBUFS", "No buffer space available");
        def(106, "EISCONN", "Transport endpoint is already connected");
        def(107, "ENOTCONN", "Transport endpoint is not connected");
        def(108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
        def(109, "ETOOMANYREFS", "Too many references: cannot splice");
        def(110, "ETIMEDOUT", "Connection timed out");
        def(111, "ECONNREFUSED", "Connection refused");
        def(112, "EHOSTDOWN", "Host is down");
        def(113, "EHOSTUNREACH", "No route to host");
        def(114, "EALREADY", "Operation already in progress");
        def(115, "EINPROGRESS", "Operation now in progress");
        def(116, "ESTALE", "Stale file handle");
        def(117, "EUCLEAN", "Structure needs cleaning");
        def(118, "ENOTNAM", "Not a XENIX named type file");
        def(119, "ENAVAIL", "No XENIX semaphores available");
        def(120, "EISNAM", "Is a named type file");
        def(121, "EREMOTEIO", "Remote I/O error");
        def(122, "EDQUOT", "Disk quota exceeded");
        def(123, "ENOMEDIUM", "No medium found");
        def(124, "EMEDIUMTYPE", "Wrong medium type");
        def(125, "ECANCELED", "Operation canceled");
        def(126, "ENOKEY", "Required key not available");
        def(127, "EKEYEXPIRED", "Key has expired");
        def(128, "EKEYREVOKED", "Key has been revoked");
        def(129, "EKEYREJECTED", "Key was rejected by service");
        def(130, "EOWNERDEAD", "Owner died");
        def(131, "ENOTRECOVERABLE", "State not recoverable");
        def(132, "ERFKILL", "Operation not possible due to RF-kill");
        def(133, "EHWPOISON", "Memory page has hardware error");
    }

    private Errno() {
    }

    private static void def(int errno, String name, String text) {
        NAMES[errno] = name;
        TEXTS[errno] = text;
    }

    /** The symbolic name ({@code ENOMEM}), or {@code E<n>} for a number Linux gives no name. */
    public static String name(int errno) {
        return errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "E" + errno;
    }

    /** strerror(3) text as strace prints it in parentheses. */
    public static String text(int errno) {
        return errno > 0 && errno < TEXTS.length && TEXTS[errno] != null ? TEXTS[errno] : "Unknown error " + errno;
    }

    /** The errno for a name such as {@code ENOMEM}, or -1 when Linux defines no such name here. */
    public static int byName(String name) {
        if ("EWOULDBLOCK".equals(name)) {
            return EAGAIN;
        }
        if ("ENOTSUP".equals(name)) {
            return EOPNOTSUPP;
        }
        if ("EDEADLOCK".equals(name)) {
            return 35; // EDEADLK
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (name.equals(NAMES[i])) {
                return i;
            }
        }
        return -1;
    }
}
