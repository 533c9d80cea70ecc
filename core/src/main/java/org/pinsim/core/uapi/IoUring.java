package org.pinsim.core.uapi;

/** include/uapi/linux/io_uring.h and io_uring/*.h constants the model uses. */
public final class IoUring {
    private IoUring() {
    }

    /** io_uring/io_uring.h: IORING_MAX_ENTRIES (SQ entries). */
    public static final int IORING_MAX_ENTRIES = 32768;
    /** io_uring/io_uring.h: IORING_MAX_CQ_ENTRIES. */
    public static final int IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;
    /** io_uring/rsrc.h: IORING_MAX_REG_BUFFERS. */
    public static final int IORING_MAX_REG_BUFFERS = 1 << 14;

    /** enum io_uring_register_op (6.18 knows 0 to 35). */
    public static final int IORING_REGISTER_BUFFERS = 0;
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    /** The opcodes the language names, in enum order from 0. */
    public static final String[] REGISTER_OPS = {
        "IORING_REGISTER_BUFFERS", "IORING_UNREGISTER_BUFFERS", "IORING_REGISTER_FILES", "IORING_UNREGISTER_FILES",
        "IORING_REGISTER_EVENTFD", "IORING_UNREGISTER_EVENTFD", "IORING_REGISTER_FILES_UPDATE",
        "IORING_REGISTER_EVENTFD_ASYNC", "IORING_REGISTER_PROBE", "IORING_REGISTER_PERSONALITY",
        "IORING_UNREGISTER_PERSONALITY", "IORING_REGISTER_RESTRICTIONS", "IORING_REGISTER_ENABLE_RINGS",
        "IORING_REGISTER_FILES2", "IORING_REGISTER_FILES_UPDATE2", "IORING_REGISTER_BUFFERS2",
        "IORING_REGISTER_BUFFERS_UPDATE", "IORING_REGISTER_IOWQ_AFF", "IORING_UNREGISTER_IOWQ_AFF",
        "IORING_REGISTER_IOWQ_MAX_WORKERS", "IORING_REGISTER_RING_FDS", "IORING_UNREGISTER_RING_FDS",
        "IORING_REGISTER_PBUF_RING", "IORING_UNREGISTER_PBUF_RING", "IORING_REGISTER_SYNC_CANCEL",
        "IORING_REGISTER_FILE_ALLOC_RANGE", "IORING_REGISTER_PBUF_STATUS", "IORING_REGISTER_NAPI",
        "IORING_UNREGISTER_NAPI", "IORING_REGISTER_CLOCK", "IORING_REGISTER_CLONE_BUFFERS",
        "IORING_REGISTER_SEND_MSG_RING", "IORING_REGISTER_ZCRX_IFQ", "IORING_REGISTER_RESIZE_RINGS",
        "IORING_REGISTER_MEM_REGION", "IORING_REGISTER_QUERY",
    };
    /** Flag added to the opcode to use a registered ring fd. */
    public static final long IORING_REGISTER_USE_REGISTERED_RING = 1L << 31;
}
