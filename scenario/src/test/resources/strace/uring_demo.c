/* The program behind uring_demo.strace (strace -f -o uring_demo.strace ./uring_demo on Linux 6.18.44,
 * gcc -O2, dynamically linked): what liburing's io_uring_queue_init(8) and io_uring_register_buffers do. */
/* What liburing's io_uring_queue_init(8) + io_uring_register_buffers do, in raw syscalls. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
int main(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = syscall(SYS_io_uring_setup, 8, &p);
    size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    void *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    void *cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    void *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    char *buf = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov[2] = {{buf, 512 << 10}, {buf + (512 << 10), 512 << 10}};
    syscall(SYS_io_uring_register, fd, IORING_REGISTER_BUFFERS, iov, 2);
    syscall(SYS_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, 0, 0);
    munmap(sqes, p.sq_entries * sizeof(struct io_uring_sqe));
    munmap(cq, cqsz);
    munmap(sq, sqsz);
    close(fd);
    return 0;
}
